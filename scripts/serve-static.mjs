#!/usr/bin/env node
// A dependency-free static file server for dist/ on 127.0.0.1, standing in for a plain static
// host (GitHub Pages, an S3 bucket): right MIME types, Range and ETag, and by default NO
// COOP/COEP/CORP headers, so the service worker has to make the page cross-origin isolated.
//
//   node scripts/serve-static.mjs [--root dist] [--port 0] [--isolate] [--cors]
//
// --isolate adds COOP/COEP/CORP like a configured host. --cors lets pages of any origin load the
// files (Access-Control-Allow-Origin: *, CORP cross-origin): a host of the embeddable package. Prints "serving <root> on <url>".
// Programmatic: `const s = await serveStatic({ root, port, isolate, onRequest }); … await s.close();`
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ISOLATION_HEADERS } from '../src/shared/headers.js';

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.avif': 'image/avif',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** What a host of the package sends so that a page on another origin can import and fetch it. */
export const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

function resolveFile(root, pathname) {
  let p;
  try {
    p = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (p.includes('\0')) return undefined;
  let file = resolve(root, `.${p}`);
  if (file !== root && !file.startsWith(root + sep)) return undefined;
  try {
    let st = statSync(file);
    if (st.isDirectory()) {
      file = join(file, 'index.html');
      st = statSync(file);
    }
    return st.isFile() ? { file, st } : undefined;
  } catch {
    return undefined;
  }
}

/** Parses a single "bytes=a-b" range; undefined = serve whole, null = unsatisfiable. */
function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // multi-range or junk: ignore (RFC 9110 allows)
  let start, end;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return null;
  return { start, end };
}

/**
 * @param {{ root?: string, port?: number, host?: string, isolate?: boolean, cors?: boolean, log?: boolean,
 *   onRequest?: (req: import('node:http').IncomingMessage) => void }} [options]
 * @returns {Promise<{ url: string, port: number, server: import('node:http').Server,
 *   close: () => Promise<void> }>}
 */
export function serveStatic({
  root = 'dist',
  port = 0,
  host = '127.0.0.1',
  isolate = false,
  cors = false,
  log = false,
  onRequest,
} = {}) {
  root = resolve(root);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (log) console.log(req.method, url.pathname, req.headers.range ?? '');
    onRequest?.(req);
    const headers = {
      'X-Content-Type-Options': 'nosniff',
      ...(isolate ? ISOLATION_HEADERS : {}),
      ...(cors ? CORS_HEADERS : {}),
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    const found = resolveFile(root, url.pathname);
    if (!found) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    const { file, st } = found;
    const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    Object.assign(headers, {
      'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Last-Modified': st.mtime.toUTCString(),
      ETag: etag,
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'no-cache',
    });
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    let range;
    if (req.headers.range && (!req.headers['if-range'] || req.headers['if-range'] === etag)) {
      range = parseRange(req.headers.range, st.size);
      if (range === null) {
        res.writeHead(416, { ...headers, 'Content-Range': `bytes */${st.size}` }).end();
        return;
      }
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? st.size - 1;
    headers['Content-Length'] = String(st.size === 0 ? 0 : end - start + 1);
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD' || st.size === 0) {
      res.end();
      return;
    }
    const stream = createReadStream(file, { start, end });
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  });
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(port, host, () => {
      const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
      const url = `http://${host}:${addr.port}`;
      res({
        url,
        port: addr.port,
        server,
        close: () =>
          new Promise((/** @type {() => void} */ r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const s = await serveStatic({
    root: opt('--root') ?? 'dist',
    port: Number(opt('--port') ?? 0),
    isolate: args.includes('--isolate'),
    cors: args.includes('--cors'),
    log: args.includes('--log'),
  });
  console.log(
    `serving ${resolve(opt('--root') ?? 'dist')} on ${s.url}${args.includes('--isolate') ? ' (isolated)' : ''}`,
  );
  const quit = () => s.close().then(() => process.exit(0));
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}
