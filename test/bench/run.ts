// `npm run bench`: drives headless Chromium against the production build (dist/) and prints a
// table, a JSON record (also written to bench-results/bench.json) and the machine-readable lines.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { preview } from 'vite';
import { chromium } from '@playwright/test';
import { storedModels } from '../e2e/helpers/engine';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium';
import { formatTable, runEdgesBench } from './edges';
import { runBatchBench } from './batch';
import { runSoak } from './soak';
import { makePhotos, measureLoad, measureNative, measureStages, memorySampler, readManifest } from './engine';

const root = path.resolve(import.meta.dirname, '../..');
const args = new Set(process.argv.slice(2));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PORT = 4179;
const ARGS = [...CHROMIUM_ARGS, '--js-flags=--expose-gc'];

const fmt = (ms: number) => (ms / 1000).toFixed(2);

async function main() {
  if (!fs.existsSync(path.join(root, 'dist/index.html')))
    throw new Error('dist/ is missing: run `npm run build` first');
  const manifest = readManifest(root);
  const server = await preview({
    root,
    preview: { port: PORT, strictPort: true, host: '127.0.0.1' },
    logLevel: 'error',
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
  const record: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memGb: Math.round(os.totalmem() / 2 ** 30),
    },
    chromium: browser.version(),
  };
  await browser.close();
  let closeContext = async () => {};
  try {
    if (args.has('--soak')) {
      const standIn = process.env.SOAK_STAND_IN;
      const soak = await runSoak({
        baseURL: `http://127.0.0.1:${PORT}`,
        args: ARGS,
        count: Number(process.env.SOAK_COUNT ?? 500),
        standInMs: standIn ? Number(standIn) : undefined,
        log: (l) => console.log(l),
      });
      fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
      fs.writeFileSync(
        path.join(root, 'bench-results/soak.json'),
        JSON.stringify({ ...record, soak }, null, 2),
      );
      console.log(soak.line);
      return;
    }
    // An on-disk profile like a real user's: off-the-record contexts refuse the model in IndexedDB.
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-bench-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      args: ARGS,
      baseURL: `http://127.0.0.1:${PORT}`,
    });
    closeContext = () => context.close();
    // tsx (esbuild keepNames) wraps named functions in __name(); page.evaluate code runs in the page.
    await context.addInitScript('globalThis.__name = (f) => f');
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto('/');
    // The app loads its default model as soon as it opens; let it finish before timing anything.
    for (const until = Date.now() + 300_000; (await storedModels(page)) < 1; await page.waitForTimeout(1000))
      if (Date.now() > until) throw new Error('The app did not store its default model within 5 minutes.');
    // Chromium's PID: the parent of the renderer processes is not exposed; sample the whole tree of our process.
    const mem = memorySampler(process.pid);

    const wasmVariants = manifest.variants.filter((v) => v.backends.includes('wasm'));
    const loads = [];
    for (const v of wasmVariants) loads.push(await measureLoad(page, v.id));
    record.load = loads;

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
    record.stages = stageRows;
    record.peakMemoryMb = memory;

    const native: Record<string, unknown> = {};
    for (const id of variantsToTime) {
      const v = manifest.variants.find((x) => x.id === id)!;
      const threads = stageRows.find((r) => r.variant === id)?.threads ?? 2;
      native[id] = {
        threads,
        ...(await measureNative(path.join(root, 'public/models', v.file), threads, RUNS)),
      };
    }
    record.native = native;

    // ---- report ----
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
    const nat = native as Record<string, { median: number; threads: number }>;
    console.log(
      'Native onnxruntime-node (ms):',
      Object.fromEntries(Object.entries(nat).map(([k, v]) => [k, Math.round(v.median)])),
    );

    let batchLine: string | undefined;
    if (!args.has('--no-batch')) {
      const count = Number(process.env.BENCH_BATCH ?? 100);
      console.log(`\nBatch: ${count} images through the app's persistent queue`);
      const b = await runBatchBench(page, {
        count,
        onProgress: (d, n) => d % 10 === 0 && console.log(`  ${d}/${n}`),
      });
      record.batch = b;
      batchLine =
        `batch: ${b.done}/${b.count} done, ${b.perMinute.toFixed(1)} images/min, longest main-thread task ${Math.round(b.longestTaskMs)} ms (${b.longTasksOver100} over 100 ms), ` +
        `heap after 10 ${(b.heapAfter10.cdpUsedSize / 1e6).toFixed(1)} MB, after ${b.count} ${(b.heapAfterAll.cdpUsedSize / 1e6).toFixed(1)} MB (${(b.heapGrowth * 100).toFixed(1)}%)`;
    }

    console.log(
      '\nEdges: guided upsampling + foreground estimation against ground truth (Node, same code as the worker)',
    );
    const edges = runEdgesBench({ log: () => undefined });
    console.log(formatTable(edges));
    record.edges = {
      gradientChangePct: edges.gradientChangePct,
      recompositeChangePct: edges.recompositeChangePct,
      timing: edges.timing,
      totals: edges.totals,
    };

    console.log('\n' + JSON.stringify(record));
    fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
    fs.writeFileSync(path.join(root, 'bench-results/bench.json'), JSON.stringify(record, null, 2));

    const def = manifest.defaults.wasm;
    const row = stageRows.find((r) => r.variant === def && r.photo === '1024²')!;
    const big = stageRows.find((r) => r.variant === def && r.photo === '12 MP')!;
    const load = loads.find((l) => l.variant === def)!;
    const n = nat[def].median;
    console.log(
      `\nweights: ${manifest.variants.find((v) => v.id === def)!.name} (${def}), backend wasm, ${row.threads} threads`,
    );
    console.log(`12 MP all but inference: ${Math.round(big.nonInference)} ms (target ≤ 400)`);
    console.log(`model load: network ${fmt(load.networkMs)} s, IndexedDB ${fmt(load.indexeddbMs)} s`);
    console.log(edges.line);
    if (batchLine) console.log(batchLine);
    console.log(
      `inference: browser ${fmt(row.inference)} s, native ${fmt(n)} s, ratio ${(row.inference / n).toFixed(2)}`,
    );
  } finally {
    await closeContext();
    await new Promise<void>((r) => server.httpServer.close(() => r()));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
