// The embeddable package (issue 24) as other sites use it, on isnet-uint8 (the smallest model):
// - examples/plain/index.html on one origin imports dist-lib/jingjie.js from another (blob:
//   bootstrap of the cross-origin worker, CORS), the model and runtime self-hosted beside the
//   package, no cross-origin isolation (WASM on one thread): one cut-out against the reference;
// - examples/vite built by Vite with the package from node_modules (no plugin, no config): the
//   task API's typed error and cancel (a queued and a running task), with no full inference.
import { test, expect } from './helpers/profile';
import type { BrowserContext } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { alphaOf, compareMasks, decodePng } from '../support/png';
import { ROOT, photoPath, readFixture, referencePath } from './helpers/fixtures';
import { serveExample } from '../../examples/plain/serve.mjs';
import { serveViteExample } from '../../examples/vite/build.mjs';

const MODEL = 'isnet-uint8';
type Lib = typeof import('../../lib/index');

test.beforeAll(() => {
  // `npm test` builds the package before the e2e stage; a spec run on its own builds it here.
  if (!existsSync(join(ROOT, 'dist-lib', 'jingjie.js'))) {
    const r = spawnSync('npm', ['run', 'build:lib'], { cwd: ROOT, stdio: 'inherit' });
    expect(r.status).toBe(0);
  }
});

/** Origins the context requested (blob: and data: aside). */
function recordOrigins(context: BrowserContext): Set<string> {
  const origins = new Set<string>();
  context.on('request', (req) => {
    if (!/^(blob|data):/.test(req.url())) origins.add(new URL(req.url()).origin);
  });
  return origins;
}

test('a plain page cuts out a photo with the package imported from another origin', async ({
  page,
  context,
}) => {
  test.setTimeout(300_000);
  // Ephemeral ports: the page and the package host are two origins whatever else runs here.
  const example = await serveExample({ pagePort: 0, hostPort: 0 });
  try {
    const origins = recordOrigins(context);
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
    // Approximately the app's own result: the same engine, compared after compositing and PNG
    // encoding (hence not engine.spec.ts's exact mask comparison).
    const d = compareMasks(alphaOf(cut), alphaOf(ref, 0));
    console.log(`lib ${MODEL} chelsea.png: mean |Δα| ${d.meanAbsDiff.toFixed(3)}, IoU ${d.iou.toFixed(4)}`);
    expect(d.iou).toBeGreaterThanOrEqual(0.98);

    // Not isolated: WASM on one thread, what every host without COOP/COEP gets.
    const info = await page.evaluate(async (model) => {
      const jj = (window as unknown as { jingjie: Lib }).jingjie;
      const i = await jj.preload({ model });
      return { backend: i.backend, threads: i.threads, variant: i.variant.id };
    }, MODEL);
    expect(info).toEqual({ backend: 'wasm', threads: 1, variant: MODEL });
    // Everything came from the page's origin and the package host: no CDN.
    expect([...origins].sort()).toEqual(
      [new URL(example.packageUrl).origin, new URL(example.pageUrl).origin].sort(),
    );
    expect(errors).toEqual([]);
  } finally {
    await example.close();
  }
});

test('a Vite-built site: a hostile file is a typed error; queued and running tasks cancel', async ({
  page,
  context,
}) => {
  test.setTimeout(300_000);
  const site = await serveViteExample({ port: 0 });
  try {
    const origins = recordOrigins(context);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(site.url);
    await expect(page.locator('#status')).toHaveAttribute('data-state', 'ready');
    const q = await page.evaluate(async (model) => {
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
      // A running task, cancelled once it has started processing.
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
      return {
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
    expect(q.cancelledAtOnce).toBe(true);
    expect(q.queuedStatus).toEqual({ state: 'cancelled', error: 'AbortError' });
    expect(['NotAnImage', 'UnsupportedFormat']).toContain(q.hostileError);
    expect(q.hostileStatus).toEqual({ state: 'failed', error: q.hostileError });
    expect(q.runningError).toBe('AbortError');
    expect(q.runningStatus?.state).toBe('cancelled');
    expect(q.events).toEqual(['cancelled:task-2', 'failed:task-1', 'cancelled:task-3']);
    expect(q.names).toBe(true);
    expect([...origins]).toEqual([new URL(site.url).origin]);
    expect(errors).toEqual([]);
  } finally {
    await site.close();
  }
});
