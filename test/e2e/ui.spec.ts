// The fast tier (issue 12): the app's UI and queue against the stand-in engine, no model. What is
// tested here is the page's own behaviour: picks that must not vanish, a worker that dies in the
// middle of a task, destructive actions, stop notices, language and accessibility.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { photoPath, readFixture } from './helpers/fixtures';
import { pasteFile, queueReady } from './helpers/page';
import { expect, test } from './helpers/stand-in';

type Q = import('../../src/features/queue/queue').PersistentQueueApi;
type Win = Window & { jingjie: { queue?: Q } };

const CHELSEA = photoPath('chelsea.png');

/** Open the app with an empty history. */
async function openApp(page: Page): Promise<void> {
  await page.goto('/');
  await queueReady(page);
  await page.evaluate(() => (window as unknown as Win).jingjie.queue!.clearAll());
  await expect(page.getByRole('heading', { name: /Drop photos here|把照片拖到这里/ })).toBeVisible();
}

/** PNG files drawn by the browser (small, each a different size). */
function pngs(page: Page, n: number, prefix = 'img'): Promise<{ name: string; b64: string }[]> {
  return page.evaluate(
    async ({ n, prefix }) => {
      const out: { name: string; b64: string }[] = [];
      for (let i = 0; i < n; i++) {
        const c = new OffscreenCanvas(40 + i, 30 + i);
        const g = c.getContext('2d')!;
        g.fillStyle = `hsl(${i * 60} 60% 50%)`;
        g.fillRect(0, 0, c.width, c.height);
        const b = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
        out.push({ name: `${prefix}-${i}.png`, b64: btoa(String.fromCharCode(...b)) });
      }
      return out;
    },
    { n, prefix },
  );
}

const asFiles = (list: { name: string; b64: string }[]) =>
  list.map((f) => ({ name: f.name, mimeType: 'image/png', buffer: Buffer.from(f.b64, 'base64') }));

const task = (page: Page, name: string) => page.locator('[data-testid="task"]', { hasText: name });

test.describe('worker', () => {
  test.use({ inferenceMs: 1500 });

  test('a worker killed in the middle of a task: that task fails with a message, the queue goes on', async ({
    page,
  }) => {
    await openApp(page);
    await page.getByTestId('file-input').setInputFiles(asFiles(await pngs(page, 3, 'kill')));
    await expect(task(page, 'kill-0.png')).toHaveAttribute('data-state', 'processing');
    await page.evaluate(() => (window as unknown as Win).jingjie.queue!.engine.crashWorkerForTest?.());
    await expect(task(page, 'kill-0.png')).toHaveAttribute('data-state', 'failed');
    await expect(task(page, 'kill-0.png')).toContainText('The engine stopped while working on this image');
    // A new worker takes the next ones.
    await expect(task(page, 'kill-1.png')).toHaveAttribute('data-state', 'done');
    await expect(task(page, 'kill-2.png')).toHaveAttribute('data-state', 'done');
    const s = await page.evaluate(() => (window as unknown as Win).jingjie.queue!.snapshot());
    expect(s.stops).toEqual([]);
    expect(s.tasks.find((t) => t.name === 'kill-0.png')?.error?.name).toBe('WorkerCrashed');
    // And the failed one can be retried.
    await page.getByRole('button', { name: 'Retry kill-0.png' }).click();
    await expect(task(page, 'kill-0.png')).toHaveAttribute('data-state', 'done');
  });
});

test.describe('refused files', () => {
  test.use({ inferenceMs: 20_000 });

  test('a file refused before decoding fails at once, without waiting for the engine', async ({ page }) => {
    await openApp(page);
    await page
      .getByTestId('file-input')
      .setInputFiles([
        ...asFiles(await pngs(page, 1, 'slow')),
        { name: 'empty.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(0) },
        { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('shopping list: milk, eggs\n') },
      ]);
    // The first photo holds the engine for 20 s; the refusals do not wait for it.
    await expect(task(page, 'empty.jpg')).toContainText('“empty.jpg” is empty (0 bytes)', {
      timeout: 10_000,
    });
    await expect(task(page, 'notes.png')).toContainText('is not an image this app can open', {
      timeout: 10_000,
    });
    await expect(task(page, 'slow-0.png')).toHaveAttribute('data-state', 'processing');
  });
});

test('a pick made during start-up reaches the queue, though the drop zone is replaced meanwhile', async ({
  page,
}) => {
  // A returning visitor: one stored result.
  await openApp(page);
  await page.getByTestId('file-input').setInputFiles(asFiles(await pngs(page, 1, 'stored')));
  await expect(task(page, 'stored-0.png')).toHaveAttribute('data-state', 'done');
  // Hold the read of the stored tasks at the next start, so the first render (big drop zone) stays
  // until the person has opened the file dialog.
  await page.addInitScript(() => {
    const w = window as unknown as { __release?: () => void };
    const gate = new Promise<void>((r) => (w.__release = r));
    const getAll = IDBIndex.prototype.getAll;
    IDBIndex.prototype.getAll = function (this: IDBIndex, ...args: Parameters<IDBIndex['getAll']>) {
      const req = getAll.apply(this, args);
      if (this.objectStore.name !== 'tasks') return req;
      const add = req.addEventListener.bind(req);
      req.addEventListener = ((type: string, fn: EventListener, o?: AddEventListenerOptions) =>
        add(
          type,
          type === 'success' ? (ev: Event) => void gate.then(() => fn(ev)) : fn,
          o,
        )) as typeof req.addEventListener;
      return req;
    };
  });
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Drop photos here' })).toBeVisible();
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose images' }).click();
  const dialog = await chooser;
  // While the dialog is open, the stored tasks arrive and the workspace replaces the drop zone.
  await page.evaluate(() => (window as unknown as { __release: () => void }).__release());
  await expect(task(page, 'stored-0.png')).toBeVisible();
  await dialog.setFiles(asFiles(await pngs(page, 1, 'picked')));
  await expect(task(page, 'picked-0.png')).toHaveAttribute('data-state', 'done');
});

test('a paste made before the app has rendered is kept and runs once it has', async ({ page }) => {
  await openApp(page);
  // At DOMContentLoaded the entry has run (and started catching) but the app's chunk has not
  // rendered: its own paste listener does not exist yet. A Ctrl+V then was lost.
  await page.addInitScript((b64) => {
    document.addEventListener('DOMContentLoaded', () => {
      const w = window as unknown as { __pastedBeforeRender?: boolean };
      w.__pastedBeforeRender = !document.querySelector('[data-testid="dropzone"], [data-testid="task"]');
      const dt = new DataTransfer();
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], 'early.png', { type: 'image/png' }));
      document.body.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }),
      );
    });
  }, readFixture(CHELSEA).toString('base64'));
  await page.reload();
  expect(
    await page.evaluate(() => (window as unknown as { __pastedBeforeRender?: boolean }).__pastedBeforeRender),
  ).toBe(true);
  await expect(page.getByTestId('task')).toHaveCount(1);
  await expect(page.getByTestId('task')).toHaveAttribute('data-state', 'done');
});

test('clear all asks first and names how many go; a failed task can be removed alone', async ({ page }) => {
  await openApp(page);
  await page
    .getByTestId('file-input')
    .setInputFiles([
      ...asFiles(await pngs(page, 2, 'keep')),
      { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') },
    ]);
  await expect(task(page, 'broken.png')).toHaveAttribute('data-state', 'failed');
  await expect(page.locator('[data-testid="task"][data-state="done"]')).toHaveCount(2);
  await page.getByRole('button', { name: 'Remove broken.png' }).click();
  await expect(page.getByTestId('task')).toHaveCount(2);
  await page.getByRole('button', { name: 'Clear all' }).click();
  await expect(page.getByTestId('clear-confirm')).toContainText('Delete all 2 images');
  await page.getByRole('button', { name: 'Keep them' }).click();
  await expect(page.getByTestId('task')).toHaveCount(2);
  await page.getByRole('button', { name: 'Clear all' }).click();
  await page.getByRole('button', { name: 'Delete 2' }).click();
  await expect(page.getByRole('heading', { name: 'Drop photos here' })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as Win).jingjie.queue!.snapshot().tasks.length)).toBe(
    0,
  );
});

test('storage full: a notice with numbers and a check-again action; space back, the block lifts', async ({
  page,
}) => {
  await openApp(page);
  await page.getByTestId('file-input').setInputFiles(asFiles(await pngs(page, 1, 'first')));
  await expect(task(page, 'first-0.png')).toHaveAttribute('data-state', 'done');
  await page.evaluate(() => {
    const w = window as unknown as { __realEstimate?: unknown };
    w.__realEstimate = navigator.storage.estimate.bind(navigator.storage);
    navigator.storage.estimate = async () => ({ usage: 990e6, quota: 1000e6 });
  });
  await page.getByTestId('file-input').setInputFiles(asFiles(await pngs(page, 1, 'more')));
  const notice = page.getByTestId('queue-stop-quota');
  await expect(notice).toContainText('Storage is full (990.0 MB of 1.0 GB used)');
  await expect(page.getByRole('alert')).toContainText('The browser storage is full');
  // Still full: checking again keeps the notice.
  await notice.getByRole('button', { name: 'Check again' }).click();
  await expect(notice).toBeVisible();
  await page.evaluate(() => {
    const w = window as unknown as { __realEstimate: StorageManager['estimate'] };
    navigator.storage.estimate = w.__realEstimate;
  });
  await notice.getByRole('button', { name: 'Check again' }).click();
  await expect(notice).toBeHidden();
  await page.getByTestId('file-input').setInputFiles(asFiles(await pngs(page, 1, 'after')));
  await expect(task(page, 'after-0.png')).toHaveAttribute('data-state', 'done');
});

test('paste an image from the clipboard, and the result view passes axe', async ({ page }) => {
  await openApp(page);
  await pasteFile(page, CHELSEA);
  await expect(page.getByTestId('result-stats')).toBeVisible();
  await expect(page.getByTestId('result-image')).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: /^pasted-/ })).toBeVisible();
  // Zoom controls work from the keyboard.
  await page.getByRole('img', { name: /Result viewer/ }).focus();
  await page.keyboard.press('1');
  await expect(page.locator('.zoom__pct')).toHaveText('100%');
  await page.keyboard.press('0');
  const axe = await new AxeBuilder({ page }).analyze();
  const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  expect(readFixture(CHELSEA).length).toBeGreaterThan(0);
});

test('language switch changes the UI and is remembered; empty state passes axe in both', async ({ page }) => {
  await openApp(page);
  const serious = async () =>
    (await new AxeBuilder({ page }).analyze()).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id);
  expect(await serious()).toEqual([]);
  await page.getByTestId('lang').selectOption('zh');
  await expect(page.getByRole('heading', { name: '把照片拖到这里' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  expect(await serious()).toEqual([]);
  await page.reload();
  await expect(page.getByRole('heading', { name: '把照片拖到这里' })).toBeVisible();
  await page.getByTestId('lang').selectOption('en');
  await expect(page.getByRole('heading', { name: 'Drop photos here' })).toBeVisible();
});

test('a model chosen in the engine details is saved and loaded after the reload; default again', async ({
  page,
}) => {
  await openApp(page);
  const details = page.locator('details.engine');
  await details.locator('summary').click();
  const choice = page.getByTestId('model-choice');
  await expect(choice).toHaveValue('');
  // Every WASM variant of the manifest is offered, named and sized, besides the default.
  const labels = await choice.locator('option').allTextContents();
  expect(labels[0]).toBe('Default (recommended)');
  expect(labels.some((l) => /IS-Net .*uint8.* · \d+(\.\d)? MB$/.test(l))).toBe(true);
  await Promise.all([page.waitForEvent('load'), choice.selectOption('isnet-uint8')]);
  await queueReady(page);
  await expect(details.locator('summary')).toContainText('Stand-in as isnet-uint8');
  await details.locator('summary').click();
  await expect(page.getByTestId('model-choice')).toHaveValue('isnet-uint8');
  await Promise.all([page.waitForEvent('load'), page.getByTestId('model-choice').selectOption('')]);
  await queueReady(page);
  expect(await page.evaluate(() => localStorage.getItem('jingjie.model'))).toBeNull();
  await expect(page.locator('details.engine summary')).toContainText('Stand-in (no model)');
});
