#!/usr/bin/env node
// Serves the plain example the way two sites would: the page on one origin (default port 4302) and
// the package host on another (4303), which holds dist-lib/ with the model (models/) and the
// onnxruntime-web runtime (ort/) beside it, as a site self-hosting them would lay them out.
//
//   npm run build:lib && node examples/plain/serve.mjs [--isolate]   # then open http://127.0.0.1:4302/
//
// Programmatic (test/e2e/lib.spec.ts): `const ex = await serveExample({ pagePort: 0, hostPort: 0 })`.
import { mkdtempSync, rmSync, symlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '../../scripts/serve-static.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * @param {{ pagePort?: number, hostPort?: number, isolate?: boolean }} [o] `isolate`: the page is
 *   cross-origin isolated (COOP/COEP), so onnxruntime runs one WASM thread per core.
 * @returns {Promise<{ pageUrl: string, packageUrl: string, close: () => Promise<void> }>}
 */
export async function serveExample({ pagePort = 4302, hostPort = 4303, isolate = false } = {}) {
  // The host's folder: the package's files, then models/ and ort/ (links, not copies: 60+ MB).
  const host = mkdtempSync(join(tmpdir(), 'jingjie-host-'));
  for (const f of readdirSync(join(ROOT, 'dist-lib'))) symlinkSync(join(ROOT, 'dist-lib', f), join(host, f));
  symlinkSync(join(ROOT, 'public', 'models'), join(host, 'models'));
  symlinkSync(join(ROOT, 'public', 'ort'), join(host, 'ort'));
  const pkg = await serveStatic({ root: host, port: hostPort, cors: true });
  const page = await serveStatic({ root: join(ROOT, 'examples', 'plain'), port: pagePort, isolate });
  return {
    pageUrl: `${page.url}/index.html?pkg=${encodeURIComponent(`${pkg.url}/jingjie.js`)}`,
    packageUrl: `${pkg.url}/jingjie.js`,
    close: async () => {
      await Promise.all([page.close(), pkg.close()]);
      rmSync(host, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ex = await serveExample({ isolate: process.argv.includes('--isolate') });
  console.log(`page ${ex.pageUrl}\npackage ${ex.packageUrl}`);
  const quit = () => ex.close().then(() => process.exit(0));
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}
