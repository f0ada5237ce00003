// The engine's silence watchdog (src/engine/index.ts): an inference worker that goes silent while a
// load starts or downloads (never starts, or says it is up and then its thread stops) is replaced
// once; when the replacement is silent too, the load fails with WorkerNotStarted instead of
// waiting for ever. The page makes the silent workers (scripts in place of the next N inference
// workers); the model is the probe graph.
import { test, expect, type Page } from '@playwright/test';
import { routeProbeModel } from './helpers/probe';

type Kind = 'mute' | 'stops';
type Win = Window & { __silent: Kind[] };

// The probe is routed by the page; a service worker's fetches would miss the route.
test.use({ serviceWorkers: 'block' });

test.beforeEach(async ({ page }) => {
  await routeProbeModel(page);
  await page.addInitScript(() => {
    const w = window as unknown as Win;
    w.__silent = [];
    // 'stops': answers the load's first call back (worker-up, on the Comlink proxy port it was
    // given) and is silent after, as a worker whose thread stopped mid-load.
    const scripts: Record<Kind, string> = {
      mute: '',
      stops: `self.onmessage = (e) => {
        const d = e.data, cb = d && d.type === 'APPLY' && d.path[0] === 'load' && d.argumentList[1];
        if (cb && cb.type === 'HANDLER') cb.value.postMessage({ id: 'up', type: 'APPLY', path: [],
          argumentList: [{ type: 'RAW', value: { stage: 'manifest', event: 'worker-up' } }] });
      };`,
    };
    const Real = window.Worker;
    window.Worker = class extends Real {
      constructor(u: string | URL, o?: WorkerOptions) {
        const kind = o?.name === 'jingjie-inference' ? w.__silent.shift() : undefined;
        super(
          kind ? URL.createObjectURL(new Blob([scripts[kind]], { type: 'text/javascript' })) : u,
          kind ? {} : o,
        );
      }
    };
  });
  await page.goto('/');
  await page.waitForFunction(() => !!window.jingjie?.queue);
});

/** Loads a new engine whose first workers are these silent ones; its outcome and the time taken. */
function loadWithSilent(page: Page, silent: Kind[]) {
  return page.evaluate(async (silent) => {
    const w = window as unknown as Win;
    w.__silent = silent;
    const t0 = performance.now();
    const engine = window.jingjie.createEngine({
      backend: 'wasm',
      modelBaseUrl: new URL('/__probe/', location.href).href,
      silenceTimeoutMs: 1500,
    });
    try {
      const info = await engine.load();
      return { ok: true, variant: info.variant.id, ms: performance.now() - t0, left: w.__silent.length };
    } catch (e) {
      const err = e as Error & { detail?: { ms?: number; up?: boolean } };
      return {
        ok: false,
        name: err.name,
        message: err.message,
        detail: err.detail,
        ms: performance.now() - t0,
      };
    } finally {
      await engine.dispose();
    }
  }, silent);
}

test('a worker that never answers is replaced, and the load goes on', async ({ page }) => {
  const r = await loadWithSilent(page, ['mute']);
  expect(r, JSON.stringify(r)).toMatchObject({ ok: true, variant: 'probe', left: 0 });
  expect(r.ms).toBeGreaterThanOrEqual(1500); // the first worker was waited for, then replaced
});

test('a worker that stops after saying it is up is replaced too', async ({ page }) => {
  const r = await loadWithSilent(page, ['stops']);
  expect(r, JSON.stringify(r)).toMatchObject({ ok: true, variant: 'probe', left: 0 });
  expect(r.ms).toBeGreaterThanOrEqual(1500);
});

test('two silent workers: the load fails with WorkerNotStarted', async ({ page }) => {
  const r = await loadWithSilent(page, ['stops', 'mute']);
  expect(r, JSON.stringify(r)).toMatchObject({
    ok: false,
    name: 'WorkerNotStarted',
    detail: { ms: 1500, up: false, stage: 'manifest' },
  });
});
