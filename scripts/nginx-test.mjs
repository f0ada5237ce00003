#!/usr/bin/env node
// Runs the production nginx config (deploy/nginx.conf + deploy/nginx/*) against a local build, on
// 127.0.0.1, for tests and for a manual look: renders the server block for a given root and port
// into a temp dir, checks it with `nginx -t`, runs nginx in the foreground, and stops it.
//
//   node scripts/nginx-test.mjs [--root dist] [--port 8080]    (Ctrl-C stops it)
//
// Programmatic: `const s = await startNginx({ root, port }); … await s.stop();`
import { spawn, spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
  readdirSync,
  rmSync,
  existsSync,
  chmodSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const deployDir = join(repo, 'deploy');

/** The nginx binary, or undefined when nginx is not installed. */
export function findNginx() {
  const candidates = [
    process.env.NGINX_BIN,
    'nginx',
    '/usr/sbin/nginx',
    '/usr/local/sbin/nginx',
    '/usr/local/nginx/sbin/nginx',
  ];
  for (const bin of candidates) {
    if (!bin) continue;
    const r = spawnSync(bin, ['-v'], { encoding: 'utf8' });
    if (!r.error && r.status === 0) return bin;
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (nginx needs a number up front). */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function replaceOnce(text, from, to, what) {
  if (!text.includes(from))
    throw new Error(
      `deploy/nginx.conf no longer contains ${JSON.stringify(from)} (${what}); update scripts/nginx-test.mjs`,
    );
  return text.split(from).join(to);
}

/** Writes nginx.conf (top level), server.conf and the include files into `dir`; returns the top-level path. */
export function renderConfig({ root, port, dir }) {
  const inc = join(dir, 'jingjie');
  mkdirSync(inc, { recursive: true });
  for (const f of readdirSync(join(deployDir, 'nginx')))
    writeFileSync(join(inc, f), readFileSync(join(deployDir, 'nginx', f)));
  let server = readFileSync(join(deployDir, 'nginx.conf'), 'utf8');
  server = replaceOnce(server, 'listen 8080;', `listen 127.0.0.1:${port};`, 'listen');
  server = replaceOnce(server, 'root /usr/share/nginx/html;', `root ${resolve(root)};`, 'root');
  server = replaceOnce(server, '/etc/nginx/jingjie/', `${inc}/`, 'include path');
  writeFileSync(join(dir, 'server.conf'), server);
  // The top level mirrors the official nginx image's nginx.conf, with every writable path in `dir`.
  const temp = join(dir, 'temp');
  mkdirSync(temp, { recursive: true });
  const top = `# rendered by scripts/nginx-test.mjs
${process.getuid?.() === 0 ? 'user root;' : ''}
daemon off;
master_process on;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 256; }
http {
    default_type application/octet-stream;
    access_log ${join(dir, 'access.log')};
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path ${temp}/client_body;
    proxy_temp_path ${temp}/proxy;
    fastcgi_temp_path ${temp}/fastcgi;
    uwsgi_temp_path ${temp}/uwsgi;
    scgi_temp_path ${temp}/scgi;
    include ${join(dir, 'server.conf')};
}
`;
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, top);
  return conf;
}

async function waitForHealth(url, child, ms) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx did not answer ${url} within ${ms} ms (${last})`);
}

/**
 * Starts nginx with the production config for `root` on 127.0.0.1:`port` (a free one if omitted).
 * Resolves to { url, port, dir, configTest, stop() }; rejects when nginx is missing or `nginx -t` fails.
 */
export async function startNginx({ root = join(repo, 'dist'), port, nginx = findNginx() } = {}) {
  if (!nginx) throw new Error('nginx is not installed');
  if (!existsSync(join(root, 'index.html')))
    throw new Error(`${root} has no index.html: run npm run build first`);
  port ??= await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'jingjie-nginx-'));
  chmodSync(dir, 0o755);
  const conf = renderConfig({ root, port, dir });
  const t = spawnSync(nginx, ['-t', '-p', dir, '-c', conf], { encoding: 'utf8' });
  const configTest = `${t.stdout}${t.stderr}`.trim();
  if (t.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx -t failed:\n${configTest}`);
  }
  const child = spawn(nginx, ['-p', dir, '-c', conf], { stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT'); // graceful: the master stops its workers and removes the pid file
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(`${url}/healthz`, child, 10_000);
  } catch (err) {
    const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
    await stop();
    throw new Error(`${err.message}\n${log}`, { cause: err });
  }
  return { url, port, dir, pid: child.pid, configTest, stop };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const nginx = findNginx();
  if (!nginx) {
    console.error('nginx is not installed (Debian: apt-get install nginx-light)');
    process.exit(2);
  }
  const s = await startNginx({
    root: opt('--root') ?? join(repo, 'dist'),
    port: opt('--port') ? Number(opt('--port')) : undefined,
    nginx,
  });
  console.log(s.configTest);
  console.log(`serving on ${s.url} (config in ${s.dir}); Ctrl-C stops`);
  const quit = () => s.stop().then(() => process.exit(0));
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}
