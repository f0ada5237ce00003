// Copies onnxruntime-web's runtime (.mjs glue + .wasm) into public/ort/ so the app serves it from
// its own origin: no CDN at run time, and the service worker can precache it for offline use.
// Two builds: the plain SIMD-threaded one (14 MB of wasm) that WASM sessions use, and the JSEP one
// (28 MB) that the worker loads only where a WebGPU adapter exists (workers/session.ts).
import { copyFileSync, mkdirSync, statSync, existsSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'));
const out = join(root, 'public', 'ort');
mkdirSync(out, { recursive: true });
for (const f of [
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
  'ort-wasm-simd-threaded.jsep.mjs',
  'ort-wasm-simd-threaded.jsep.wasm',
]) {
  const src = join(dist, f);
  const dst = join(out, f);
  if (
    existsSync(dst) &&
    statSync(dst).size === statSync(src).size &&
    statSync(dst).mtimeMs >= statSync(src).mtimeMs
  )
    continue;
  // A new file, never a write into the old one: the old one may be a hard link shared elsewhere.
  if (existsSync(dst)) unlinkSync(dst);
  copyFileSync(src, dst);
  console.log(`ort: ${f} (${(statSync(dst).size / 1e6).toFixed(1)} MB)`);
}
