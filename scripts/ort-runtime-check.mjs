// Inference time of one model under several onnxruntime-web runtimes and session options in
// headless Chromium (cross-origin isolated, WASM, SIMD + threads), interleaved rounds, one tab per
// setup: wall ms in the page. Finds whether a gap to a peer is the runtime or the graph.
//
//   node scripts/ort-runtime-check.mjs [--model isnet-fp16.onnx] [--rounds 3] [--port 4231]
//        [--setups 130:all,121:all] [--threads 2]
// --threads takes a list (e.g. 1,2,4,8): every setup runs at each count, one tab each, which gives
// the thread-scaling curve that docs/speed.md records (numThreads is read once per page).
// A setup is <runtime>:<graphOptimizationLevel>[:<model file>]; runtime 130 is onnxruntime-web
// (the app's), 121 the onnxruntime-web-121 dev dependency (the one imgly 1.7.0 runs on).
/* global window */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/chromium.mjs';
import { serveStatic } from './serve-static.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (k, d) => {
  const i = process.argv.indexOf(k);
  return i > 0 ? process.argv[i + 1] : d;
};
const model = arg('--model', 'isnet-fp16.onnx');
const rounds = Number(arg('--rounds', 3));
const port = Number(arg('--port', 4231));
const threadCounts = arg('--threads', '2').split(',').map(Number);
const setups = arg('--setups', '130:all,121:all')
  .split(',')
  .flatMap((s) => {
    const [rt, level, file] = s.split(':');
    return threadCounts.map((threads) => ({
      label: threadCounts.length > 1 ? `${s} ×${threads}` : s,
      rt,
      level,
      file: file ?? model,
      threads,
    }));
  });

// A runtime ending in "j" (130j, 121j) is the same version's JSEP build (ort.min.mjs, the one a
// plain `import 'onnxruntime-web'` gets, as imgly does) run on its WASM backend.
const page = (rt) => `<!doctype html><meta charset="utf-8"><script type="module">
import * as ort from '/ort${rt.replace('j', '')}/${rt.endsWith('j') ? 'ort.min.mjs' : 'ort.wasm.min.mjs'}';
ort.env.wasm.wasmPaths = '/ort${rt.replace('j', '')}/';
ort.env.wasm.numThreads = Number(new URLSearchParams(location.search).get('threads'));
let session;
const input = new Float32Array(3 * 1024 * 1024).map((_, i) => ((i * 7919) % 255) / 255 - 0.5);
window.load = async (file, level) => {
  const bytes = new Uint8Array(await (await fetch('/models/' + file)).arrayBuffer());
  const t0 = performance.now();
  session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: level });
  return { createMs: performance.now() - t0, isolated: crossOriginIsolated };
};
window.run = async () => {
  const t0 = performance.now();
  await session.run({ input: new ort.Tensor('float32', input, [1, 3, 1024, 1024]) }, ['output']);
  return performance.now() - t0;
};
window.ready = true;
</script>`;

const median = (a) => [...a].sort((x, y) => x - y)[(a.length - 1) >> 1];
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-ort-check-'));
fs.symlinkSync(path.join(ROOT, 'node_modules/onnxruntime-web/dist'), path.join(root, 'ort130'));
fs.symlinkSync(path.join(ROOT, 'node_modules/onnxruntime-web-121/dist'), path.join(root, 'ort121'));
fs.symlinkSync(path.join(ROOT, 'public/models'), path.join(root, 'models'));
for (const rt of ['130', '121', '130j', '121j']) fs.writeFileSync(path.join(root, `p${rt}.html`), page(rt));
const server = await serveStatic({ root, port, isolate: true });
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: CHROMIUM_ARGS,
});
try {
  const tabs = [];
  for (const s of setups) {
    const p = await browser.newPage();
    await p.goto(`http://127.0.0.1:${port}/p${s.rt}.html?threads=${s.threads}`);
    await p.waitForFunction(() => window.ready === true);
    const c = await p.evaluate(([f, l]) => window.load(f, l), [s.file, s.level]);
    if (!c.isolated) throw new Error('not cross-origin isolated');
    const first = await p.evaluate(() => window.run()); // warm-up: also the cost of a first run
    console.log(`${s.label}: session ${c.createMs.toFixed(0)} ms, first run ${first.toFixed(0)} ms`);
    tabs.push({ s, p, ms: [] });
  }
  for (let r = 0; r < rounds; r++) {
    for (const t of r % 2 ? [...tabs].reverse() : tabs) t.ms.push(await t.p.evaluate(() => window.run()));
    console.log(`round ${r + 1}: ${tabs.map((t) => `${t.s.label} ${t.ms[r].toFixed(0)} ms`).join(', ')}`);
  }
  for (const t of tabs) console.log(`${t.s.label}: median ${median(t.ms).toFixed(0)} ms`);
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
}
