// Every input the engine may be handed, through window.jingjie.createEngine() in the production
// build: each corpus file (test/fixtures/corpus/generate.mjs) either gives a correct cut-out —
// right size, upright (its visible pixels match the upright picture), sRGB colours, source transparency kept — or
// fails with its specific error name; then the same engine still cuts out a photo. The model is the
// probe graph (test/fixtures/probe): the pipeline around the model is what is tested here.
import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { generateCorpus } from '../fixtures/corpus/generate.mjs';
import { routeProbeModel } from './helpers/probe';

const root = path.resolve(import.meta.dirname, '../..');
const corpusDir = path.join(root, 'test/fixtures/corpus/out');

interface Case {
  file: string;
  bytes: number;
  expect: 'ok' | 'error';
  error?: string;
  width?: number | null;
  height?: number | null;
  originalWidth?: number;
  originalHeight?: number;
  maxPixels?: number;
  /** Reference picture in the corpus folder that the visible pixels must match. */
  ref?: string;
  maxDiff?: number;
  /** A picture the pixels must clearly not match (the unconverted colours). */
  notRef?: string;
  transparentLeft?: boolean;
  notice?: string;
  large?: boolean;
  note: string;
}
interface Manifest {
  cases: Case[];
}

interface RunResult {
  ok: boolean;
  name?: string;
  message?: string;
  width?: number;
  height?: number;
  originalWidth?: number;
  originalHeight?: number;
  notice?: string;
  png?: string;
  ms: number;
  runs: number;
}

let manifest: Manifest;
let page: Page;
/** Uncaught errors and unhandled rejections in the page: abort paths are normal, so none. */
const pageErrors: string[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  manifest = (await generateCorpus(corpusDir)) as Manifest;
  // The app's service worker would answer the corpus URLs with the app shell: keep it out.
  page = await browser.newPage({ serviceWorkers: 'block' });
  page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
  // Serve the corpus from the app's origin so the page can fetch 20 MB files without base64.
  await page.route('**/__corpus/**', (route) => {
    const name = decodeURIComponent(new URL(route.request().url()).pathname.split('/__corpus/')[1]);
    return route.fulfill({
      status: 200,
      body: fs.readFileSync(path.join(corpusDir, name)),
      contentType: 'application/octet-stream',
    });
  });
  // This spec tests inputs, not masks, and runs the model ~30 times: the engine loads the probe
  // graph (same interface, milliseconds per run) from a test-only model folder.
  await routeProbeModel(page);
  await page.goto('/');
  await page.evaluate(async () => {
    const w = window as unknown as { __inputs?: { engine: unknown; runs: number } };
    const engine = window.jingjie.createEngine({
      backend: 'wasm',
      modelBaseUrl: new URL('/__probe/', location.href).href,
    });
    await engine.load();
    w.__inputs = { engine, runs: 0 };
  });
});

test.afterAll(async () => {
  await page?.close();
});

/** Run one file through the page's single engine; the cut-out comes back as PNG bytes (base64). */
async function run(file: string, keepPng: boolean, maxPixels?: number): Promise<RunResult> {
  return page.evaluate(
    async ({ file, keepPng, maxPixels }) => {
      const w = window as unknown as {
        __inputs: { engine: ReturnType<Window['jingjie']['createEngine']>; runs: number };
      };
      const st = w.__inputs;
      const blob = await (await fetch(`/__corpus/${encodeURIComponent(file)}`)).blob();
      const t0 = performance.now();
      st.runs++;
      try {
        const r = await st.engine.removeBackground(new File([blob], file), {
          decontaminate: false,
          maxPixels,
        });
        let png: string | undefined;
        if (keepPng) {
          const b = new Uint8Array(await r.blob.arrayBuffer());
          let s = '';
          for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
          png = btoa(s);
        }
        return {
          ok: true,
          width: r.width,
          height: r.height,
          originalWidth: r.originalWidth,
          originalHeight: r.originalHeight,
          notice: r.notice,
          png,
          ms: performance.now() - t0,
          runs: st.runs,
        };
      } catch (e) {
        const err = e as Error;
        return { ok: false, name: err.name, message: err.message, ms: performance.now() - t0, runs: st.runs };
      }
    },
    { file, keepPng, maxPixels },
  );
}

const refs = new Map<string, PNG>();
function ref(name: string): PNG {
  if (!refs.has(name)) refs.set(name, PNG.sync.read(fs.readFileSync(path.join(corpusDir, name))));
  return refs.get(name)!;
}

/** Mean absolute difference (per channel, 0–255) between the cut-out's visible pixels and a reference picture. */
function meanDiff(out: PNG, reference: PNG): { n: number; mean: number } {
  let n = 0;
  let sum = 0;
  for (let p = 0; p < out.data.length; p += 4) {
    // Soft pixels are fine too: with decontaminate off, compose changes only alpha.
    if (out.data[p + 3] < 32) continue;
    n++;
    for (let c = 0; c < 3; c++) sum += Math.abs(out.data[p + c] - reference.data[p + c]);
  }
  return { n, mean: n ? sum / (3 * n) : NaN };
}

/** Problems with a cut-out's pixels, and a one-line summary. */
function checkPixels(c: Case, out: PNG): { problems: string[]; summary: string } {
  const problems: string[] = [];
  const parts: string[] = [];
  if (c.ref) {
    const { n, mean } = meanDiff(out, ref(c.ref));
    parts.push(`${n} visible px, mean diff ${mean.toFixed(2)} (≤ ${c.maxDiff})`);
    // Enough of the subject must be visible to say anything about orientation and colour.
    if (n < out.width * out.height * 0.03) problems.push(`only ${n} visible pixels to compare`);
    else if (!(mean <= c.maxDiff!))
      problems.push(`pixels differ from ${c.ref} by ${mean.toFixed(2)} on average (allowed ${c.maxDiff})`);
    if (c.notRef && n) {
      const other = meanDiff(out, ref(c.notRef)).mean;
      parts.push(`vs unconverted ${other.toFixed(2)}`);
      // JPEG noise (~2.7) is of the order of the P3 shift (~5), so ask for a clear but not double margin.
      if (!(other > mean * 1.5))
        problems.push(
          `not clearly closer to ${c.ref} (${mean.toFixed(2)}) than to ${c.notRef} (${other.toFixed(2)})`,
        );
    }
  }
  if (c.transparentLeft) {
    let bad = 0;
    for (let y = 0; y < out.height; y++)
      for (let x = 0; x < out.width / 2; x++) if (out.data[(y * out.width + x) * 4 + 3] !== 0) bad++;
    parts.push(`${bad} opaque px in the transparent half`);
    if (bad) problems.push(`${bad} pixels of the transparent half became visible`);
  }
  return { problems, summary: parts.join(', ') };
}

const outcomes: string[] = [];

test('corpus: every file gives a correct cut-out or its specific error', async () => {
  // ~27 model runs: 4–10 s each on an idle 2-core machine, 20–45 s each when the machine is shared.
  test.setTimeout(1_800_000);
  const failures: string[] = [];
  // JJ_INPUTS_ONLY=regexp runs a subset while iterating (the engine test below then expects fewer runs).
  const only = process.env.JJ_INPUTS_ONLY ? new RegExp(process.env.JJ_INPUTS_ONLY) : undefined;
  for (const c of manifest.cases) {
    if (only && !only.test(c.file)) continue;
    await test.step(c.file, async () => {
      // The large case sets its limit: the default depends on the device's reported memory.
      const r = await run(c.file, c.expect === 'ok' && !c.large, c.maxPixels);
      let verdict: string;
      if (c.expect === 'error') {
        verdict = r.ok
          ? `expected ${c.error}, got a result ${r.width}×${r.height}`
          : r.name !== c.error
            ? `expected ${c.error}, got ${r.name}: ${r.message}`
            : '';
        if (!verdict && !r.message?.includes(c.file))
          verdict = `message does not name the file: ${r.message}`;
        outcomes.push(
          `${c.file.padEnd(26)} ${r.ok ? 'OK' : r.name}${verdict ? ' ✗' : ''}  ${r.ms.toFixed(0)} ms  ${r.message ?? ''}`,
        );
      } else if (!r.ok) {
        verdict = `expected a cut-out, got ${r.name}: ${r.message}`;
        outcomes.push(`${c.file.padEnd(26)} ${r.name} ✗  ${r.message}`);
      } else {
        const problems: string[] = [];
        if (c.width != null && (r.width !== c.width || r.height !== c.height))
          problems.push(`size ${r.width}×${r.height}, expected ${c.width}×${c.height}`);
        if (c.originalWidth && (r.originalWidth !== c.originalWidth || r.originalHeight !== c.originalHeight))
          problems.push(
            `original ${r.originalWidth}×${r.originalHeight}, expected ${c.originalWidth}×${c.originalHeight}`,
          );
        if (c.maxPixels && r.width! * r.height! > c.maxPixels)
          problems.push(`${r.width}×${r.height} is above ${c.maxPixels} pixels`);
        if (c.notice && !r.notice?.includes(c.notice))
          problems.push(`notice "${r.notice}" lacks "${c.notice}"`);
        if (!c.notice && r.notice) problems.push(`unexpected notice "${r.notice}"`);
        let pixels = '';
        if (r.png) {
          const png = PNG.sync.read(Buffer.from(r.png, 'base64'));
          if (png.width !== r.width || png.height !== r.height)
            problems.push(`PNG is ${png.width}×${png.height}`);
          const px = checkPixels(c, png);
          problems.push(...px.problems);
          pixels = px.summary;
        }
        verdict = problems.join('; ');
        outcomes.push(
          `${c.file.padEnd(26)} OK ${r.width}×${r.height}${verdict ? ' ✗' : ''}  ${r.ms.toFixed(0)} ms  ${pixels}${r.notice ? `  notice: ${r.notice}` : ''}${verdict ? `  ${verdict}` : ''}`,
        );
      }
      console.log(outcomes[outcomes.length - 1]);
      if (verdict) failures.push(`${c.file} (${c.note}): ${verdict}`);
    });
  }
  expect(failures, failures.join('\n')).toEqual([]);
});

test('after the whole corpus the same engine still cuts out a photo', async () => {
  test.setTimeout(180_000);
  // Not one unhandled rejection ("Cancelled" or any other) while the corpus ran.
  expect(pageErrors).toEqual([]);
  const chelsea = fs.readFileSync(path.join(root, 'test/fixtures/photos/chelsea.png'));
  const r = await page.evaluate(
    async ({ b64 }) => {
      const st = (
        window as unknown as {
          __inputs: { engine: ReturnType<Window['jingjie']['createEngine']>; runs: number };
        }
      ).__inputs;
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      // Without edge refinement: the probe's ramp ignores the photo, and the feathering fits a
      // soft alpha to the photo's colours, so it would reshape the ramp this test reads.
      const res = await st.engine.removeBackground(new File([bytes], 'chelsea.png', { type: 'image/png' }), {
        refineEdges: false,
      });
      let fg = 0;
      for (const v of res.mask) if (v >= 128) fg++;
      return {
        runs: st.runs,
        width: res.width,
        height: res.height,
        fg: fg / res.mask.length,
        corner: res.mask[0],
        mask: Array.from(res.mask.subarray(0, res.width)),
      };
    },
    { b64: chelsea.toString('base64') },
  );
  const src = PNG.sync.read(chelsea);
  if (!process.env.JJ_INPUTS_ONLY) expect(r.runs).toBe(manifest.cases.length);
  expect([r.width, r.height]).toEqual([src.width, src.height]);
  // The probe's mask (see probe-model.mjs): nearly transparent at the left edge, opaque from a thin soft
  // strip on. The real model's masks are checked by engine.spec and app.spec.
  expect(r.corner).toBeLessThan(64);
  expect(r.mask[r.width - 1]).toBe(255);
  expect(r.fg).toBeGreaterThan(0.95);
});

test("a job's AbortSignal reaches the worker: cancelled mid-job, it rejects with AbortError; the engine goes on", async () => {
  test.setTimeout(180_000);
  const r = await page.evaluate(async () => {
    const engine = (
      window as unknown as { __inputs: { engine: ReturnType<Window['jingjie']['createEngine']> } }
    ).__inputs.engine;
    // A photo larger than the model's grid gets the refine stage, which the worker announces
    // while the job runs: the abort comes from inside the job, so only the worker can see it.
    const canvas = new OffscreenCanvas(1600, 1200);
    const g = canvas.getContext('2d')!;
    g.fillStyle = '#3a6';
    g.fillRect(0, 0, 1600, 1200);
    g.fillStyle = '#fff';
    g.fillRect(500, 300, 600, 600);
    const file = new File([await canvas.convertToBlob({ type: 'image/png' })], 'big.png', {
      type: 'image/png',
    });
    const ctrl = new AbortController();
    const cancelled = await engine
      .removeBackground(file, { signal: ctrl.signal, onProgress: () => ctrl.abort() })
      .then(
        () => 'finished',
        (e: Error) => e.name,
      );
    const after = await engine.removeBackground(file);
    return { cancelled, width: after.width };
  });
  expect(r).toEqual({ cancelled: 'AbortError', width: 1600 });
});
