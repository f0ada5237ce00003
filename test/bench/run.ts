// `npm run bench`: drives headless Chromium against the production build (dist/) and prints
// tables, a JSON record (also written to bench-results/bench.json) and the machine-readable lines.
// One function per part; flags pick the parts (see README, Benchmark).
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { preview } from 'vite';
import { chromium, type Page } from '@playwright/test';
import { storedModels } from '../e2e/helpers/engine';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium.mjs';
import { formatModelTable, runModelEdgesBench } from './edges';
import { runBatchBench } from './batch';
import { runBrushBench } from './brush';
import { runMemoryBench } from './memory';
import { runSoak } from './soak';
import { makePhotos, measureLoad, measureNative, measureStages, memorySampler, readManifest } from './engine';
import { runSpeedBench } from './speed';
import { runCliBench } from './cli';
import { libSizes } from './lib';
import { startImglyHarness } from './peers/serve';

const root = path.resolve(import.meta.dirname, '../..');
const args = new Set(process.argv.slice(2));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PORT = Number(process.env.BENCH_PORT ?? 4179);
const PEER_PORT = Number(process.env.BENCH_PEER_PORT ?? PORT + 1);
// ForceEagerMeasureMemory: measureUserAgentSpecificMemory() answers at once (the memory part).
const ARGS = [...CHROMIUM_ARGS, '--js-flags=--expose-gc', '--enable-blink-features=ForceEagerMeasureMemory'];
const APP_URL = `http://127.0.0.1:${PORT}`;

const PARTS = ['speed', 'engine', 'batch', 'edges', 'brush', 'memory', 'cli', 'lib'] as const;
type Part = (typeof PARTS)[number];
/** Parts named by flags (--speed, --engine, --batch, --edges, --brush, --memory, --cli, --lib); else all but the long batch and the CLI; --all: every part. */
function chooseParts(): Set<Part> {
  const named = PARTS.filter((p) => args.has(`--${p}`));
  const parts = new Set<Part>(
    named.length ? named : args.has('--all') ? PARTS : ['speed', 'engine', 'edges', 'brush', 'lib'],
  );
  if (args.has('--no-batch')) parts.delete('batch');
  return parts;
}

/** What the parts add to: the JSON record and the lines printed last, for scripts. */
interface Bench {
  record: Record<string, unknown>;
  lines: string[];
}

const fmt = (ms: number) => (ms / 1000).toFixed(2);

/**
 * The app open in an on-disk profile like a real user's (off-the-record contexts refuse the model
 * in IndexedDB), with its default model loaded and stored.
 */
async function openApp(): Promise<{ page: Page; close: () => Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: ARGS,
    baseURL: APP_URL,
  });
  // tsx (esbuild keepNames) wraps named functions in __name(); page.evaluate code runs in the page.
  await context.addInitScript('globalThis.__name = (f) => f');
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto('/');
  // The app loads its default model as soon as it opens; let it finish before timing anything.
  for (const until = Date.now() + 300_000; (await storedModels(page)) < 1; await page.waitForTimeout(1000))
    if (Date.now() > until) throw new Error('The app did not store its default model within 5 minutes.');
  return {
    page,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The refine brush on a 12 MP photo: main-thread long tasks while painting (stand-in engine). */
async function brushPart(bench: Bench) {
  console.log('\nRefine brush: main-thread tasks over 50 ms while painting a 4000×3000 photo');
  const r = await runBrushBench({ root, baseURL: APP_URL, args: ARGS, executablePath: CHROMIUM_PATH });
  const { line, ...rest } = r;
  bench.record.brush = rest;
  console.table(
    Object.fromEntries(
      r.cases.map((c) => [
        c.name,
        {
          strokes: c.strokes,
          'events/stroke': c.events,
          'tasks > 50 ms': c.longTasks,
          'longest (ms)': c.longestTaskMs,
        },
      ]),
    ),
  );
  console.log(
    `opening the editor: longest task ${r.openLongestTaskMs} ms; Done (full-resolution save): ${fmt(r.saveMs)} s`,
  );
  bench.lines.push(line);
}

/** Peak memory of the browser's processes for a 12 MP and a 24 MP photo on WASM (phones: ≤ 1 GB). */
async function memoryPart(bench: Bench, page: Page) {
  console.log('\nMemory: peak resident MB of the browser while cutting out a 12 MP and a 24 MP photo (WASM)');
  const r = await runMemoryBench(
    page,
    fs.readFileSync(path.join(root, 'test/fixtures/photos/astronaut.png')),
  );
  const { line, ...rest } = r;
  bench.record.memory = rest;
  console.table(r.peakMb);
  console.table(r.contexts);
  bench.lines.push(line);
}

/** First visit and every later photo, as a user meets them, against imgly 1.7.0 in the same run. */
async function speedPart(bench: Bench) {
  console.log(
    `\nSpeed: app vs @imgly/background-removal 1.7.0 (load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
  const harness = await startImglyHarness({
    root,
    port: PEER_PORT,
    outDir: path.join(root, 'bench-results/peers'),
  });
  try {
    const r = await runSpeedBench({
      root,
      appUrl: `${APP_URL}/`,
      imglyUrl: harness.url,
      args: CHROMIUM_ARGS,
      coldRuns: Number(process.env.BENCH_COLD_RUNS ?? 1),
      coldOnly: process.env.BENCH_SPEED_COLD_ONLY === '1',
    });
    const { lines, ...rest } = r;
    bench.record.speed = rest;
    console.table({
      'cold (s)': {
        app: r.cold.app.map(fmt).join(' '),
        'imgly-medium': r.cold.imglyMedium.map(fmt).join(' '),
        'imgly-small': r.cold.imglySmall.map(fmt).join(' '),
      },
      'warm (s)': {
        app: r.warm.app.map(fmt).join(' '),
        'imgly-medium': r.warm.imglyMedium.map(fmt).join(' '),
        'imgly-small': r.warm.imglySmall.map(fmt).join(' '),
      },
    });
    console.log(
      `app weights: ${r.appVariant ?? '?'}; load ${r.loadavg.after.map((l) => l.toFixed(2)).join(' ')}`,
    );
    bench.lines.push(...lines);
  } finally {
    await harness.close();
  }
}

/** Model load, per-stage timings (1024² and 12 MP), peak memory, and the native floor. */
async function enginePart(bench: Bench, page: Page) {
  const manifest = readManifest(root);
  // Chromium's PID: the parent of the renderer processes is not exposed; sample the whole tree of our process.
  const mem = memorySampler(process.pid);

  const wasmVariants = manifest.variants.filter((v) => v.backends.includes('wasm'));
  const loads = [];
  for (const v of wasmVariants) loads.push(await measureLoad(page, v.id));
  bench.record.load = loads;

  await makePhotos(page, fs.readFileSync(path.join(root, 'test/fixtures/photos/astronaut.png')));
  const stageRows = [];
  const memory: Record<string, number> = {};
  const variantsToTime = args.has('--all-variants')
    ? wasmVariants.map((v) => v.id)
    : [manifest.defaults.wasm];
  for (const id of variantsToTime) {
    mem.reset();
    stageRows.push(
      ...(await measureStages(page, {
        backend: 'wasm',
        variant: id,
        runs: RUNS,
        photos: ['1024²', '12 MP'],
      })),
    );
    memory[id] = Math.round(mem.peakMb());
  }
  mem.stop();
  bench.record.stages = stageRows;
  bench.record.peakMemoryMb = memory;

  const native: Record<string, { median: number; threads: number; all: number[] }> = {};
  for (const id of variantsToTime) {
    const v = manifest.variants.find((x) => x.id === id)!;
    const threads = stageRows.find((r) => r.variant === id)?.threads ?? 2;
    native[id] = {
      threads,
      ...(await measureNative(path.join(root, 'public/models', v.file), threads, RUNS)),
    };
  }
  bench.record.native = native;

  console.log('\nModel load (WASM)');
  console.table(
    loads.map((l) => ({
      variant: l.variant,
      'network s': fmt(l.networkMs),
      'IndexedDB s': fmt(l.indexeddbMs),
      threads: l.threads,
      crossOriginIsolated: l.crossOriginIsolated,
    })),
  );
  console.log(`Per-image stages, median of ${RUNS} runs (ms)`);
  console.table(
    stageRows.map((r) => ({
      photo: r.photo,
      backend: r.backend,
      variant: r.variant,
      threads: r.threads,
      decode: Math.round(r.decode),
      pre: Math.round(r.preprocess),
      inference: Math.round(r.inference),
      post: Math.round(r.postprocess),
      refine: Math.round(r.refine),
      encode: Math.round(r.encode),
      'all but inference': Math.round(r.nonInference),
      total: Math.round(r.total),
    })),
  );
  console.log('Peak memory of the browser (MB, all processes):', memory);
  console.log(
    'Native onnxruntime-node (ms):',
    Object.fromEntries(Object.entries(native).map(([k, v]) => [k, Math.round(v.median)])),
  );

  const def = manifest.defaults.wasm;
  const row = stageRows.find((r) => r.variant === def && r.photo === '1024²')!;
  const big = stageRows.find((r) => r.variant === def && r.photo === '12 MP')!;
  const load = loads.find((l) => l.variant === def)!;
  const n = native[def].median;
  bench.lines.push(
    `weights: ${manifest.variants.find((v) => v.id === def)!.name} (${def}), backend wasm, ${row.threads} threads`,
    `12 MP all but inference: ${Math.round(big.nonInference)} ms (target ≤ 400)`,
    `model load: network ${fmt(load.networkMs)} s, IndexedDB ${fmt(load.indexeddbMs)} s`,
    `inference: browser ${fmt(row.inference)} s, native ${fmt(n)} s, ratio ${(row.inference / n).toFixed(2)}`,
  );
}

/** The jingjie CLI (issue 24) on BENCH_CLI_PHOTOS photos (default 6) against the app's warm WASM time. */
async function cliPart(bench: Bench, page: Page) {
  const count = Number(process.env.BENCH_CLI_PHOTOS ?? 6);
  console.log(`\nCLI: ${count} photos through jingjie (onnxruntime-node) and the app on WASM`);
  const r = await runCliBench(page, { root, count, runs: RUNS, variant: readManifest(root).defaults.wasm });
  const { line, ...rest } = r;
  bench.record.cli = rest;
  bench.lines.push(line);
}

/** BENCH_BATCH images (default 100) through the app's persistent queue. */
async function batchPart(bench: Bench, page: Page) {
  const count = Number(process.env.BENCH_BATCH ?? 100);
  console.log(`\nBatch: ${count} images through the app's persistent queue`);
  const b = await runBatchBench(page, {
    count,
    onProgress: (d, n) => d % 10 === 0 && console.log(`  ${d}/${n}`),
  });
  bench.record.batch = b;
  bench.lines.push(
    `batch: ${b.done}/${b.count} done, ${b.perMinute.toFixed(1)} images/min, longest main-thread task ${Math.round(b.longestTaskMs)} ms (${b.longTasksOver100} over 100 ms), ` +
      `heap after 10 ${(b.heapAfter10.cdpUsedSize / 1e6).toFixed(1)} MB, after ${b.count} ${(b.heapAfterAll.cdpUsedSize / 1e6).toFixed(1)} MB (${(b.heapGrowth * 100).toFixed(1)}%)`,
  );
}

/** Guided upsampling + foreground estimation against ground truth (Node, the worker's code). */
/**
 * Edges (issue 11): scenes with ground truth through the real model (onnxruntime-node on the
 * app's WASM default graph), then each refinement, scored in the edge band; the idealised numbers
 * (true alpha as the model's output) are in the same table, labelled. The older idealised-only
 * bench: `npx tsx test/bench/edges.ts --legacy`.
 */
async function edgesPart(bench: Bench) {
  console.log(
    '\nEdges with the model in the loop: plain pipeline, guided filter, matting (Node, same code as the worker)',
  );
  const r = await runModelEdgesBench({ log: () => undefined });
  console.log(formatModelTable(r));
  const { line, ...rest } = r;
  bench.record.edges = rest;
  bench.lines.push(line);
}

/** The embeddable package's script and what a site hosts for it (file sizes, no browser). */
function libPart(bench: Bench) {
  const { line, ...rest } = libSizes(root);
  bench.record.lib = rest;
  console.log(`\n${line}`);
  bench.lines.push(line);
}

async function main() {
  if (!fs.existsSync(path.join(root, 'dist/index.html')))
    throw new Error('dist/ is missing: run `npm run build` first');
  const parts = chooseParts();
  console.log(`bench parts: ${[...parts].join(', ')}`);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
  const bench: Bench = {
    record: {
      date: new Date().toISOString(),
      parts: [...parts],
      machine: {
        cores: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        memGb: Math.round(os.totalmem() / 2 ** 30),
        loadavg: os.loadavg(),
      },
      chromium: browser.version(),
    },
    lines: [],
  };
  await browser.close();
  const server = await preview({
    root,
    preview: { port: PORT, strictPort: true, host: '127.0.0.1' },
    logLevel: 'error',
  });
  let app: Awaited<ReturnType<typeof openApp>> | undefined;
  try {
    if (args.has('--soak')) {
      const standIn = process.env.SOAK_STAND_IN;
      const soak = await runSoak({
        baseURL: `http://127.0.0.1:${PORT}`,
        args: ARGS,
        count: Number(process.env.SOAK_COUNT ?? 500),
        standInMs: standIn ? Number(standIn) : undefined,
        model: process.env.SOAK_MODEL || undefined,
        log: (l) => console.log(l),
      });
      fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
      fs.writeFileSync(
        path.join(root, 'bench-results/soak.json'),
        JSON.stringify({ ...bench.record, soak }, null, 2),
      );
      console.log(soak.line);
      return;
    }
    if (parts.has('speed')) await speedPart(bench);
    if (parts.has('engine') || parts.has('batch') || parts.has('memory') || parts.has('cli'))
      app = await openApp();
    if (app && parts.has('memory')) await memoryPart(bench, app.page);
    if (app && parts.has('engine')) await enginePart(bench, app.page);
    if (app && parts.has('batch')) await batchPart(bench, app.page);
    if (app && parts.has('cli')) await cliPart(bench, app.page);
    if (parts.has('edges')) await edgesPart(bench);
    if (parts.has('brush')) await brushPart(bench);
    if (parts.has('lib')) libPart(bench);

    console.log('\n' + JSON.stringify(bench.record));
    fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
    fs.writeFileSync(path.join(root, 'bench-results/bench.json'), JSON.stringify(bench.record, null, 2));
    console.log('\n' + bench.lines.join('\n'));
  } finally {
    await app?.close();
    await new Promise<void>((r) => server.httpServer.close(() => r()));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
