// The engine's start watchdog (src/engine/index.ts): an inference worker that never answers its
// load is replaced once; when the replacement is silent too, the load fails with WorkerNotStarted
// instead of waiting for ever. Silent workers are made by the page (empty scripts in place of
// the next N inference workers); the model is the probe graph.
import { test, expect } from '@playwright/test';
import { routeProbeModel } from './helpers/probe';

type Win = Window & { __silent: number };

test.beforeEach(async ({ page }) => {
  await routeProbeModel(page);
  await page.addInitScript(() => {
    const w = window as unknown as Win;
    w.__silent = 0;
    const Real = window.Worker;
    window.Worker = class extends Real {
      constructor(u: string | URL, o?: WorkerOptions) {
        const silent = o?.name === 'jingjie-inference' && w.__silent > 0;
        if (silent) w.__silent--;
        super(silent ? URL.createObjectURL(new Blob([''], { type: 'text/javascript' })) : u, silent ? {} : o);
      }
    };
  });
  await page.goto('/');
  await page.waitForFunction(() => !!window.jingjie?.queue);
});

/** Loads a new engine whose first `silent` workers never answer; its outcome and the time taken. */
function loadWithSilent(page: import('@playwright/test').Page, silent: number) {
  return page.evaluate(async (silent) => {
    (window as unknown as Win).__silent = silent;
    const t0 = performance.now();
    const engine = window.jingjie.createEngine({
      backend: 'wasm',
      modelBaseUrl: new URL('/__probe/', location.href).href,
      startTimeoutMs: 1500,
    });
    try {
      const info = await engine.load();
      return {
        ok: true,
        variant: info.variant.id,
        ms: performance.now() - t0,
        left: (window as unknown as Win).__silent,
      };
    } catch (e) {
      const err = e as Error & { detail?: { ms?: number } };
      return { ok: false, name: err.name, detailMs: err.detail?.ms, ms: performance.now() - t0 };
    } finally {
      await engine.dispose();
    }
  }, silent);
}

test('a worker that never answers is replaced, and the load goes on', async ({ page }) => {
  const r = await loadWithSilent(page, 1);
  expect(r, JSON.stringify(r)).toMatchObject({ ok: true, variant: 'probe', left: 0 });
  expect(r.ms).toBeGreaterThanOrEqual(1500); // the first worker was waited for, then replaced
});

test('two silent workers: the load fails with WorkerNotStarted', async ({ page }) => {
  const r = await loadWithSilent(page, 2);
  expect(r, JSON.stringify(r)).toMatchObject({ ok: false, name: 'WorkerNotStarted', detailMs: 1500 });
});
