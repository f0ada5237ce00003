// The embeddable package's sizes (issue 24): the script a WASM cut-out loads from dist-lib/ (gzip
// and raw), and what a site must host beside it: the model and onnxruntime-web's runtime.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export interface LibSizes {
  /** JS a WASM cut-out loads: jingjie.js, the inference worker, onnxruntime's glue chunk. */
  scriptGzipKb: number;
  scriptRawKb: number;
  /** Every JS file of dist-lib/ (HEIC decoder, WebGPU glue, workers the package never starts). */
  packageJsRawKb: number;
  /** The manifest's WASM default model + the plain SIMD-threaded runtime (.mjs + .wasm). */
  hostMb: number;
  /** The same with the smallest model. */
  hostSmallestMb: number;
  /** What WebGPU adds: the JSEP runtime. */
  webgpuExtraMb: number;
  defaultModel: string;
  smallestModel: string;
  line: string;
}

const kb = (n: number) => Math.round(n / 1024);
const mb = (n: number) => Math.round(n / 1e5) / 10;

/** Sizes from dist-lib/ (run `npm run build:lib` first), public/models and public/ort. */
export function libSizes(root: string): LibSizes {
  const dist = path.join(root, 'dist-lib');
  if (!fs.existsSync(path.join(dist, 'jingjie.js')))
    throw new Error('dist-lib/ is missing: run `npm run build:lib` first');
  const js = ['jingjie.js', ...fs.readdirSync(path.join(dist, 'assets')).map((f) => `assets/${f}`)].filter(
    (f) => f.endsWith('.js'),
  );
  // Loaded for every cut-out on WASM; the rest only for HEIC, WebGPU, or never (the app's brush
  // and check workers, which src/engine references).
  const loaded = js.filter((f) => /^(jingjie\.js|assets\/(inference\.worker|ort\.wasm\.min)-)/.test(f));
  const bytes = (f: string) => fs.readFileSync(path.join(dist, f));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const size = (f: string) => fs.statSync(f).size;

  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'public/models/models.json'), 'utf8')) as {
    defaults: { wasm: string };
    variants: { id: string; file: string; bytes: number; backends: string[] }[];
  };
  const def = manifest.variants.find((v) => v.id === manifest.defaults.wasm)!;
  const smallest = manifest.variants
    .filter((v) => v.backends.includes('wasm'))
    .sort((a, b) => a.bytes - b.bytes)[0];
  const ort = (f: string) => size(path.join(root, 'public/ort', f));
  const runtime = ort('ort-wasm-simd-threaded.mjs') + ort('ort-wasm-simd-threaded.wasm');
  const jsep = ort('ort-wasm-simd-threaded.jsep.mjs') + ort('ort-wasm-simd-threaded.jsep.wasm');

  const r = {
    scriptGzipKb: kb(sum(loaded.map((f) => gzipSync(bytes(f)).length))),
    scriptRawKb: kb(sum(loaded.map((f) => bytes(f).length))),
    packageJsRawKb: kb(sum(js.map((f) => bytes(f).length))),
    hostMb: mb(def.bytes + runtime),
    hostSmallestMb: mb(smallest.bytes + runtime),
    webgpuExtraMb: mb(jsep),
    defaultModel: def.id,
    smallestModel: smallest.id,
  };
  return {
    ...r,
    line:
      `lib: ${r.scriptGzipKb} KB of script (gzip, what a WASM cut-out loads; ${r.scriptRawKb} KB raw), ` +
      `${r.hostMb} MB to host (${r.defaultModel} + onnxruntime wasm; ${r.hostSmallestMb} MB with ${r.smallestModel}, ` +
      `+${r.webgpuExtraMb} MB for WebGPU)`,
  };
}

// `npx tsx test/bench/lib.ts`: the line alone, without a browser.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  console.log(libSizes(path.resolve(import.meta.dirname, '../..')).line);
}
