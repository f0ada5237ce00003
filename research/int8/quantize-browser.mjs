// Browser check of the int8 QDQ graph: onnxruntime-web WASM (SIMD + threads, 2 threads) in
// headless Chromium on a cross-origin-isolated page. Gate figures of each graph's masks against
// the fp32 reference masks on the test photos, then interleaved timing rounds (one tab per
// graph, graphs in turn, alternating order): wall ms in the page and CPU ms of all Chromium
// processes per inference.
//
//   node research/int8/quantize-browser.mjs [--models isnet-int8,isnet-uint8] [--rounds 5]
//        [--port 4212] [--photo chelsea.png] [--threads 2]
/* global window */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test/chromium.mjs';
import { PNG } from 'pngjs';
import { serveStatic } from '../../scripts/serve-static.mjs';
import { decodePng, postprocess, preprocess } from '../../test/reference/reference.mjs';
import { TEST_PHOTOS, maskFigures, passes } from './quantize-check.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (k, d) => {
  const i = process.argv.indexOf(k);
  return i > 0 ? process.argv[i + 1] : d;
};
const ids = arg('--models', 'isnet-int8,isnet-uint8').split(',');
const rounds = Number(arg('--rounds', 5));
const port = Number(arg('--port', 4212));
const timedPhoto = arg('--photo', 'chelsea.png');
const threads = Number(arg('--threads', 2));
const skipGates = process.argv.includes('--no-gates');

const PAGE = `<!doctype html><meta charset="utf-8"><title>qdq</title><script type="module">
import * as ort from '/ort/ort.wasm.min.mjs';
ort.env.wasm.wasmPaths = '/ort/';
ort.env.wasm.numThreads = ${threads};
let session;
const inputs = new Map();
window.load = async (file, level) => {
  const bytes = new Uint8Array(await (await fetch('/models/' + file)).arrayBuffer());
  const t0 = performance.now();
  session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: level });
  return { createMs: performance.now() - t0, isolated: crossOriginIsolated };
};
window.run = async (photo, wantOutput) => {
  if (!inputs.has(photo)) inputs.set(photo, new Float32Array(await (await fetch('/inputs/' + photo + '.bin')).arrayBuffer()));
  const feeds = { input: new ort.Tensor('float32', inputs.get(photo), [1, 3, 1024, 1024]) };
  const t0 = performance.now();
  const r = await session.run(feeds, ['output']);
  const ms = performance.now() - t0;
  if (!wantOutput) return { ms };
  const b = new Uint8Array(r.output.data.buffer, r.output.data.byteOffset, r.output.data.byteLength);
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
  return { ms, b64: btoa(s) };
};
window.ready = true;
</script>`;

/** utime + stime (ms) of the Chromium process tree rooted at `pid`. */
function cpuMs(rootPid) {
  const tick = 1000 / 100;
  const procs = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.push({ pid: Number(d), ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) * tick });
    } catch {
      // gone
    }
  }
  const tree = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) if (!tree.has(p.pid) && tree.has(p.ppid)) (tree.add(p.pid), (grew = true));
  }
  return procs.filter((p) => tree.has(p.pid)).reduce((a, p) => a + p.cpu, 0);
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function readGrey(file) {
  const png = PNG.sync.read(fs.readFileSync(file));
  return Uint8Array.from({ length: png.width * png.height }, (_, i) => png.data[i * 4]);
}

async function main() {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'public/models/models.json'), 'utf8'));
  const variants = ids.map((id) => {
    const v = manifest.variants.find((e) => e.id === id);
    if (!v)
      throw new Error(
        `${id} is not in public/models/models.json (isnet-int8: quantize-build.mjs --register)`,
      );
    return v;
  });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-qdq-browser-'));
  fs.symlinkSync(path.join(ROOT, 'node_modules/onnxruntime-web/dist'), path.join(root, 'ort'));
  fs.symlinkSync(path.join(ROOT, 'public/models'), path.join(root, 'models'));
  fs.mkdirSync(path.join(root, 'inputs'));
  fs.writeFileSync(path.join(root, 'index.html'), PAGE);
  const images = {};
  for (const photo of TEST_PHOTOS) {
    images[photo] = decodePng(fs.readFileSync(path.join(ROOT, 'test/fixtures/photos', photo)));
    fs.writeFileSync(path.join(root, 'inputs', `${photo}.bin`), preprocess(images[photo]));
  }
  const server = await serveStatic({ root, port, isolate: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
  });
  const browserPid = browser.process?.()?.pid;
  const report = {
    threads,
    rounds,
    photo: timedPhoto,
    ortWeb: JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/onnxruntime-web/package.json'), 'utf8'))
      .version,
    variants: {},
  };
  try {
    const ctx = await browser.newContext();
    const pages = [];
    for (const v of variants) {
      const page = await ctx.newPage();
      await page.goto(`http://127.0.0.1:${port}/index.html`);
      await page.waitForFunction(() => window.ready === true);
      const level = v.wasmGraphOptimization ?? 'all';
      const created = await page.evaluate(([f, l]) => window.load(f, l), [v.file, level]);
      if (!created.isolated) throw new Error('page is not cross-origin isolated');
      console.log(`${v.id}: session created at '${level}' in ${created.createMs.toFixed(0)} ms`);
      report.variants[v.id] = { level, createMs: created.createMs, gates: [], wall: [], cpu: [] };
      pages.push({ v, page });
    }
    // Fidelity first (also the warm-up run of each graph).
    for (const { v, page } of pages) {
      for (const photo of skipGates ? [timedPhoto] : TEST_PHOTOS) {
        const r = await page.evaluate((p) => window.run(p, true), photo);
        if (skipGates) continue;
        const b = Buffer.from(r.b64, 'base64');
        const out = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
        const { width, height } = images[photo];
        const mask = postprocess(out, 1024, 1024, width, height);
        const ref = readGrey(path.join(ROOT, 'test/fixtures/reference/isnet-fp32', photo));
        const f = maskFigures(mask, ref);
        report.variants[v.id].gates.push({ photo, ...f });
        console.log(
          `${v.id} ${photo}: IoU ${f.iou.toFixed(5)}, mean ${f.mean.toFixed(3)}, p99.9 ${f.p999}, max ${f.max} ${passes(f) ? 'pass' : 'FAIL'}`,
        );
      }
    }
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [...pages].reverse() : pages;
      const line = [];
      for (const { v, page } of order) {
        const c0 = browserPid ? cpuMs(browserPid) : 0;
        const res = await page.evaluate((p) => window.run(p, false), timedPhoto);
        const cpu = browserPid ? cpuMs(browserPid) - c0 : NaN;
        report.variants[v.id].wall.push(res.ms);
        report.variants[v.id].cpu.push(cpu);
        line.push(`${v.id} ${res.ms.toFixed(0)} ms (CPU ${cpu.toFixed(0)})`);
      }
      console.log(`round ${r + 1}: ${line.join(', ')}; load ${os.loadavg()[0].toFixed(1)}`);
    }
    for (const [id, x] of Object.entries(report.variants)) {
      x.wallMedian = median(x.wall);
      x.wallMin = Math.min(...x.wall);
      x.cpuMedian = median(x.cpu);
      console.log(
        `${id}: wall median ${x.wallMedian.toFixed(0)} ms (min ${x.wallMin.toFixed(0)}), CPU median ${x.cpuMedian.toFixed(0)} ms`,
      );
    }
    const out = arg('--json');
    if (out) fs.writeFileSync(out, JSON.stringify(report, null, 1));
  } finally {
    await browser.close();
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
