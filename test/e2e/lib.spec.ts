// The embeddable package (issue 24) as another site uses it: examples/plain/index.html on one
// origin imports dist-lib/jingjie.js from another (blob: bootstrap of the cross-origin worker,
// CORS), with the model and runtime self-hosted beside the package; the page is not cross-origin
// isolated, so this is WASM on one thread. One model load (isnet-uint8, the smallest) and one
// inference: the cut-out against the reference mask, then the task API's cancel and typed error.
import { test, expect } from './helpers/profile';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { alphaOf, compareMasks, decodePng } from './helpers/png';
import { ROOT, photoPath, readFixture, referencePath } from './helpers/fixtures';
import { serveExample } from '../../examples/plain/serve.mjs';

const MODEL = 'isnet-uint8';

let example: Awaited<ReturnType<typeof serveExample>>;

test.beforeAll(() => {
  // `npm test` builds the package before the e2e stage; a spec run on its own builds it here.
  if (!existsSync(join(ROOT, 'dist-lib', 'jingjie.js'))) {
    const r = spawnSync('npm', ['run', 'build:lib'], { cwd: ROOT, stdio: 'inherit' });
    expect(r.status).toBe(0);
  }
});

test.beforeEach(async () => {
  // Ephemeral ports: the page and the package host are two origins whatever else runs here.
  example = await serveExample({ pagePort: 0, hostPort: 0 });
});

test.afterEach(async () => {
  await example.close();
});

test('a plain page cuts out a photo with the package from another origin; cancel; typed errors', async ({
  page,
  context,
}) => {
  test.setTimeout(300_000);
  const hostOrigin = new URL(example.packageUrl).origin;
  const pageOrigin = new URL(example.pageUrl).origin;
  const origins = new Set<string>();
  context.on('request', (req) => {
    if (!req.url().startsWith('blob:') && !req.url().startsWith('data:'))
      origins.add(new URL(req.url()).origin);
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(`${example.pageUrl}&model=${MODEL}`);
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'ready');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);

  await page.locator('#file').setInputFiles(photoPath('chelsea.png'));
  await expect(page.locator('#status')).toHaveAttribute('data-state', /done|failed/, { timeout: 240_000 });
  expect(await page.locator('#status').textContent()).toContain('Done: image/png');
  const b64 = await page.evaluate(async () => {
    const src = document.querySelector<HTMLImageElement>('#result')!.src;
    const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  });
  const cut = decodePng(Buffer.from(b64, 'base64'));
  const ref = decodePng(readFixture(referencePath(MODEL, 'chelsea.png')));
  expect([cut.width, cut.height]).toEqual([ref.width, ref.height]);
  // Approximately the app's own result: the package is the same engine (alpha after matting and
  // PNG encoding, hence not the exact mask comparison of engine.spec.ts).
  const d = compareMasks(alphaOf(cut), alphaOf(ref, 0));
  console.log(`lib ${MODEL} chelsea.png: mean |Δα| ${d.meanAbsDiff.toFixed(3)}, IoU ${d.iou.toFixed(4)}`);
  expect(d.iou).toBeGreaterThanOrEqual(0.98);

  // The task API: a hostile file fails with its code, a queued task is cancelled, a running one too.
  const q = await page.evaluate(async (model) => {
    type Lib = typeof import('../../lib/index');
    const jj = (window as unknown as { jingjie: Lib }).jingjie;
    const queue = jj.createQueue({ model });
    const events: string[] = [];
    for (const type of ['done', 'failed', 'cancelled'])
      queue.addEventListener(type, (e) =>
        events.push(`${type}:${(e as CustomEvent<{ id: string }>).detail.id}`),
      );
    const hostile = queue.submit(
      new File(['<svg onload=alert(1)>not a png'], 'evil.png', { type: 'image/png' }),
    );
    const queued = queue.submit(new Blob([new Uint8Array(8)], { type: 'image/png' }));
    const cancelledAtOnce = queue.cancel(queued);
    const queuedStatus = queue.status(queued);
    const hostileError = await queue.result(hostile).then(
      () => 'no error',
      (e: Error) => e.name,
    );
    // A running task: cancelled once it has started processing.
    const canvas = new OffscreenCanvas(640, 480);
    canvas.getContext('2d')!.fillRect(100, 100, 300, 200);
    const running = queue.submit(await canvas.convertToBlob({ type: 'image/png' }));
    await new Promise<void>((resolve) =>
      queue.addEventListener('progress', (e) => {
        const d = (e as CustomEvent<{ id: string; stage: string }>).detail;
        if (d.id === running && d.stage === 'process') resolve();
      }),
    );
    queue.cancel(running);
    const runningError = await queue.result(running).then(
      () => 'finished before the cancel',
      (e: Error) => e.name,
    );
    const info = await jj.preload({ model });
    return {
      engine: { backend: info.backend, threads: info.threads, variant: info.variant.id },
      cancelledAtOnce,
      queuedStatus,
      hostileError,
      hostileStatus: queue.status(hostile),
      runningError,
      runningStatus: queue.status(running),
      events,
      names: jj.ERROR_NAMES.includes('NotAnImage'),
    };
  }, MODEL);
  // Not isolated: WASM on one thread, the path every host without COOP/COEP gets.
  expect(q.engine).toEqual({ backend: 'wasm', threads: 1, variant: MODEL });
  expect(q.cancelledAtOnce).toBe(true);
  expect(q.queuedStatus).toEqual({ state: 'cancelled', error: 'AbortError' });
  expect(['NotAnImage', 'UnsupportedFormat']).toContain(q.hostileError);
  expect(q.hostileStatus).toEqual({ state: 'failed', error: q.hostileError });
  expect(q.runningError).toBe('AbortError');
  expect(q.runningStatus?.state).toBe('cancelled');
  expect(q.events).toEqual(['cancelled:task-2', 'failed:task-1', 'cancelled:task-3']);
  expect(q.names).toBe(true);

  // Everything came from the page's origin and the package host: no CDN.
  expect([...origins].sort()).toEqual([hostOrigin, pageOrigin].sort());
  expect(errors).toEqual([]);
});
