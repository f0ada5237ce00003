// Copies onnxruntime-web's runtime (.mjs glue + .wasm) into public/ort/ so the app serves it from
// its own origin: no CDN at run time, and the service worker can precache it for offline use.
import { copyFileSync, mkdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'));
const out = join(root, 'public', 'ort');
mkdirSync(out, { recursive: true });
// The JSEP build runs both the WASM and the WebGPU execution providers.
for (const f of ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm']) {
  const src = join(dist, f);
  const dst = join(out, f);
  if (
    existsSync(dst) &&
    statSync(dst).size === statSync(src).size &&
    statSync(dst).mtimeMs >= statSync(src).mtimeMs
  )
    continue;
  copyFileSync(src, dst);
  console.log(`ort: ${f} (${(statSync(dst).size / 1e6).toFixed(1)} MB)`);
}
