// Spike (issue 20, part 3): onnxruntime-web vs LiteRT.js (XNNPACK) on the same IS-Net graph, in
// a worker of a cross-origin-isolated headless Chromium page, interleaved rounds on one photo;
// plus the fidelity gate of each mask against the fp32 reference, and a layer-by-layer check.
//
//   node research/litert/litert-check.mjs --tflite-dir DIR [--photo astronaut.png]
//        [--rounds 3] [--threads 2] [--port 4232]
//        [--setups ort:isnet-fp16.onnx,ort:isnet-fp32.onnx,litert:isnet-fp32.tflite]
//   node research/litert/litert-check.mjs --tflite-dir DIR --layers isnet-taps.tflite
//        --taps a,b,...   (the tapped tensors the .tflite was converted with)
// ort:FILE reads public/models/FILE (onnxruntime-web 1.30, 'all', wasm EP, module worker);
// litert:FILE reads DIR/FILE (@litertjs/core, threaded relaxed-SIMD build, XNNPACK, classic
// worker). @litertjs/core is not a project dependency: install it with
// `npm install --prefix $LITERT_SCRATCH @litertjs/core` and set LITERT_SCRATCH.
/* global window */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import * as esbuild from 'esbuild';
import * as ort from 'onnxruntime-node';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test/chromium.mjs';
import { decodePng, postprocess, preprocess } from '../../test/reference/reference.mjs';
import { serveStatic } from '../../scripts/serve-static.mjs';
import { decodeModel, encodeModel } from '../../scripts/onnx/model-io.mjs';
import { maskFigures, passes } from '../int8/quantize-check.mjs';
import { PNG } from 'pngjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (k, d) => {
  const i = process.argv.indexOf(k);
  return i > 0 ? process.argv[i + 1] : d;
};
const SCRATCH = process.env.LITERT_SCRATCH;
if (!SCRATCH) throw new Error('set LITERT_SCRATCH to the folder @litertjs/core was installed into');
const tfliteDir = path.resolve(arg('--tflite-dir', '.'));
const photo = arg('--photo', 'astronaut.png');
const rounds = Number(arg('--rounds', 3));
const threads = Number(arg('--threads', 2));
const port = Number(arg('--port', 4232));
const layers = arg('--layers');
const setups = arg('--setups', 'ort:isnet-fp16.onnx,ort:isnet-fp32.onnx,litert:isnet-fp32.tflite')
  .split(',')
  .map((s) => {
    const [rt, file] = s.split(':');
    return { label: s, rt, file };
  });

const ORT_WORKER = `import * as ort from '/ort130/ort.wasm.min.mjs';
ort.env.wasm.wasmPaths = '/ort130/';
ort.env.wasm.numThreads = ${threads};
let session, input, last;
onmessage = async ({ data }) => {
  try {
    if (data.type === 'load') {
      const bytes = new Uint8Array(await (await fetch(data.url)).arrayBuffer());
      const t0 = performance.now();
      session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
      postMessage({ createMs: performance.now() - t0, isolated: crossOriginIsolated });
    } else if (data.type === 'input') {
      input = new Float32Array(await (await fetch(data.url)).arrayBuffer());
      postMessage({});
    } else if (data.type === 'run') {
      const t0 = performance.now();
      const r = await session.run({ input: new ort.Tensor('float32', input, [1, 3, 1024, 1024]) }, ['output']);
      last = r.output.data;
      postMessage({ ms: performance.now() - t0 });
    } else if (data.type === 'output') {
      postMessage({ out: last });
    }
  } catch (e) { postMessage({ error: String(e?.stack ?? e) }); }
};`;

const LITERT_WORKER = `importScripts('/litert.js');
let model, input, last;
async function stats(outs, taps) {
  const rows = [];
  for (let k = 0; k < taps.length; k++) {
    const ref = new Float32Array(await (await fetch('/taps/' + k + '.bin')).arrayBuffer());
    const got = outs[k + 1];
    let maxDiff = 0, maxRef = 0, sum = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(ref[i] - got[i]);
      if (d > maxDiff) maxDiff = d;
      if (Math.abs(ref[i]) > maxRef) maxRef = Math.abs(ref[i]);
      sum += d;
    }
    rows.push({ tap: taps[k], n: ref.length, len: got.length, maxDiff, maxRef, meanDiff: sum / ref.length });
  }
  return rows;
}
onmessage = async ({ data }) => {
  try {
    if (data.type === 'load') {
      const t0 = performance.now();
      // Loaded by importScripts in a worker, the Emscripten glue would take this worker's own
      // script for its pthreads' script (they then never start: a silent hang) and look for its
      // .wasm next to it; LiteRT's loader passes self.Module to the factory, so point both home.
      const glue = '/litert-wasm/litert_wasm_${threads > 1 ? 'threaded_' : ''}internal.js';
      self.Module = { mainScriptUrlOrBlob: glue, locateFile: (f) => '/litert-wasm/' + f };
      await LiteRT.loadLiteRt('/litert-wasm/', { threads: ${threads} > 1 });
      const t1 = performance.now();
      const bytes = new Uint8Array(await (await fetch(data.url)).arrayBuffer());
      const t2 = performance.now();
      model = await LiteRT.loadAndCompile(bytes, { accelerator: 'wasm', cpuOptions: { numThreads: ${threads} } });
      postMessage({ wasmMs: t1 - t0, createMs: performance.now() - t2, isolated: crossOriginIsolated,
        full: model.isFullyAccelerated, inputs: model.getInputDetails(), outputs: model.getOutputDetails() });
    } else if (data.type === 'input') {
      input = new Float32Array(await (await fetch(data.url)).arrayBuffer());
      postMessage({});
    } else if (data.type === 'run') {
      const t0 = performance.now();
      const t = new LiteRT.Tensor(input, [1, 3, 1024, 1024]);
      const outs = await model.run(t);
      const arrays = outs.map((o) => o.toTypedArray().slice());
      t.delete();
      for (const o of outs) o.delete();
      const ms = performance.now() - t0;
      last = arrays[0];
      postMessage({ ms, taps: data.taps ? await stats(arrays, data.taps) : undefined });
    } else if (data.type === 'output') {
      postMessage({ out: last });
    }
  } catch (e) { postMessage({ error: String(e?.stack ?? e) }); }
};`;

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
let worker;
const call = (msg) => new Promise((resolve, reject) => {
  worker.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve(data));
  worker.onerror = (e) => reject(new Error(e.message));
  worker.postMessage(msg);
});
window.start = (rt) => { worker = rt === 'ort' ? new Worker('/ort-worker.mjs', { type: 'module' }) : new Worker('/litert-worker.js'); };
window.call = call;
window.output = async () => {
  const { out } = await call({ type: 'output' });
  const u8 = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  let s = '';
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000));
  return btoa(s);
};
window.ready = true;
</script>`;

const toF32 = (b) => new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
/** CPU ms (utime + stime, all threads) of the browser's process tree: a figure that other load on
 * the machine inflates far less than wall time (Linux /proc; clock ticks of 10 ms). */
function cpuMs(rootPid) {
  const procs = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      procs.push({ pid: Number(d), ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) * 10 });
    } catch {
      // gone
    }
  }
  const tree = new Set([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!tree.has(p.pid) && tree.has(p.ppid)) (tree.add(p.pid), (grew = true));
  }
  return procs.filter((p) => tree.has(p.pid)).reduce((a, p) => a + p.cpu, 0);
}
const median = (a) => [...a].sort((x, y) => x - y)[(a.length - 1) >> 1];
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-litert-check-'));
fs.symlinkSync(path.join(ROOT, 'node_modules/onnxruntime-web/dist'), path.join(root, 'ort130'));
fs.symlinkSync(path.join(ROOT, 'public/models'), path.join(root, 'models'));
fs.symlinkSync(path.join(SCRATCH, 'node_modules/@litertjs/core/wasm'), path.join(root, 'litert-wasm'));
fs.symlinkSync(tfliteDir, path.join(root, 'tflite'));

await esbuild.build({
  stdin: { contents: "export * from '@litertjs/core';", resolveDir: ROOT },
  nodePaths: [path.join(SCRATCH, 'node_modules')],
  bundle: true,
  format: 'iife',
  globalName: 'LiteRT',
  outfile: path.join(root, 'litert.js'),
  logLevel: 'warning',
});
fs.writeFileSync(path.join(root, 'ort-worker.mjs'), ORT_WORKER);
fs.writeFileSync(path.join(root, 'litert-worker.js'), LITERT_WORKER);
fs.writeFileSync(path.join(root, 'index.html'), PAGE);

const image = decodePng(fs.readFileSync(path.join(ROOT, 'test/fixtures/photos', photo)));
const input = preprocess(image);
fs.writeFileSync(path.join(root, 'input.bin'), input);
const refPng = PNG.sync.read(fs.readFileSync(path.join(ROOT, 'test/fixtures/reference/isnet-fp32', photo)));
const refMask = Uint8Array.from({ length: refPng.width * refPng.height }, (_, i) => refPng.data[i * 4]);

/** ONNX tensors `taps` by onnxruntime-node on the fp32 graph, written NHWC as taps/<k>.bin. */
async function referenceTaps(taps) {
  const model = decodeModel(fs.readFileSync(path.join(ROOT, 'public/models/isnet-fp32.onnx')));
  const vi = new Map(model.graph.valueInfo.map((v) => [v.name, v]));
  for (const t of taps) model.graph.output.push(vi.get(t));
  const s = await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: threads });
  const r = await s.run({ input: new ort.Tensor('float32', input, [1, 3, 1024, 1024]) }, ['output', ...taps]);
  fs.mkdirSync(path.join(root, 'taps'));
  taps.forEach((t, k) => {
    const [n, c, h, w] = r[t].dims;
    const src = r[t].data;
    const dst = new Float32Array(src.length);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) dst[(y * w + x) * c + ch] = src[(ch * h + y) * w + x];
    if (n !== 1) throw new Error('batch');
    fs.writeFileSync(path.join(root, 'taps', `${k}.bin`), dst);
  });
  fs.writeFileSync(path.join(root, 'taps', 'output.bin'), r.output.data);
  await s.release();
}

const server = await serveStatic({ root, port, isolate: true, log: !!process.env.DEBUG });
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const pid = process.pid; // the tree under this script: Chromium and its helpers
try {
  const open = async (rt, file) => {
    const p = await browser.newPage();
    p.on(
      'console',
      (m) =>
        m.type() === 'error' && !/^(INFO|WARNING): /.test(m.text()) && console.log(`[${rt}] ${m.text()}`),
    );
    p.on('response', (r) => r.status() >= 400 && console.log(`[${rt}] ${r.status()} ${r.url()}`));
    p.on('crash', () => console.log(`[${rt}] page crashed`));
    await p.goto(`http://127.0.0.1:${port}/index.html`);
    await p.waitForFunction(() => window.ready === true);
    await p.evaluate((r) => window.start(r), rt);
    const url = rt === 'ort' ? `/models/${file}` : `/tflite/${file}`;
    const c = await p.evaluate((u) => window.call({ type: 'load', url: u }), url);
    if (!c.isolated) throw new Error('not cross-origin isolated');
    await p.evaluate(() => window.call({ type: 'input', url: '/input.bin' }));
    return { p, c };
  };
  if (layers) {
    const taps = arg('--taps', '').split(',').filter(Boolean);
    await referenceTaps(taps);
    const { p, c } = await open('litert', layers);
    console.log(`LiteRT ${layers}: compile ${c.createMs.toFixed(0)} ms, fully accelerated ${c.full}`);
    const r = await p.evaluate((t) => window.call({ type: 'run', taps: t }), taps);
    for (const row of r.taps)
      console.log(
        `${row.tap}: max|diff| ${row.maxDiff.toExponential(2)} (max|ref| ${row.maxRef.toFixed(3)}), mean|diff| ${row.meanDiff.toExponential(2)}` +
          (row.n !== row.len ? ` SIZE MISMATCH ${row.n} vs ${row.len}` : ''),
      );
    const out = toF32(Buffer.from(await p.evaluate(() => window.output()), 'base64'));
    const ref = toF32(fs.readFileSync(path.join(root, 'taps', 'output.bin')));
    let m = 0;
    for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i] - out[i]));
    console.log(`output (sigmoid) vs onnxruntime-node fp32: max|diff| ${m.toExponential(2)}`);
  } else {
    const tabs = [];
    for (const s of setups) {
      const { p, c } = await open(s.rt, s.file);
      await p.evaluate(() => window.call({ type: 'run' })); // warm-up
      console.log(
        `${s.label}: session ${c.createMs.toFixed(0)} ms` +
          (s.rt === 'litert' ? ` (wasm ${c.wasmMs.toFixed(0)} ms, fully accelerated ${c.full})` : ''),
      );
      tabs.push({ s, p, ms: [], cpu: [] });
    }
    for (let r = 0; r < rounds; r++) {
      for (const t of r % 2 ? [...tabs].reverse() : tabs) {
        const c0 = cpuMs(pid);
        t.ms.push((await t.p.evaluate(() => window.call({ type: 'run' }))).ms);
        t.cpu.push(cpuMs(pid) - c0);
      }
      console.log(
        `round ${r + 1}: ${tabs.map((t) => `${t.s.label} ${t.ms[r].toFixed(0)} ms (cpu ${t.cpu[r]} ms)`).join(', ')}`,
      );
    }
    for (const t of tabs) {
      const out = toF32(Buffer.from(await t.p.evaluate(() => window.output()), 'base64'));
      const f = maskFigures(postprocess(out, 1024, 1024, image.width, image.height), refMask);
      console.log(
        `${t.s.label}: ${t.ms.length ? `median ${median(t.ms).toFixed(0)} ms (min ${Math.min(...t.ms).toFixed(0)}, median cpu ${median(t.cpu)} ms)` : 'warm-up only'}; ` +
          `${photo} vs fp32 reference: IoU ${f.iou.toFixed(5)}, ` +
          `mean ${f.mean.toFixed(3)}, p99.9 ${f.p999}, max ${f.max} ${passes(f) ? 'pass' : 'FAIL'}`,
      );
    }
  }
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
}
