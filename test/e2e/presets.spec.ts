// End-to-end test of output presets (issue 14) in the production build, fast tier: the cut-outs
// come from the stand-in engine (no model), the presets are applied by the real worker's present()
// (the stand-in relays it). On three small photos: "Marketplace" on one result gives a 2000×2000
// JPEG with no alpha and white corners; "Download all" with it gives a ZIP of such JPEGs; the picks
// and a saved preset survive a reload; JPEG over transparency is refused in the editor.
// Screenshots go to the OS temp dir as jingjie-presets-*.png.
import { expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { unzipSync } from 'fflate';
import { photoPath } from './helpers/fixtures';
import { downloadFrom, dropFiles } from './helpers/page';
import { sharedProfileTest } from './helpers/profile';
import { standInEngineScript } from '../support/stand-in-engine';

const SCALE = Number(process.env.JJ_TIMEOUT_SCALE ?? 1) || 1;
const minutes = (n: number) => n * 60_000 * SCALE;
const shot = (name: string) => join(tmpdir(), `jingjie-presets-${name}.png`);

// A persistent profile: the queue and the presets must survive the reload.
const test = sharedProfileTest((ctx) => ctx.addInitScript(standInEngineScript(100)));

type Win = Window & {
  jingjie: { queue?: { ready: Promise<void>; snapshot(): { tasks: { state: string }[] } } };
  showSaveFilePicker?: unknown;
};

/** Components in a JPEG's start-of-frame: 3 is colour with no alpha (JPEG has no alpha channel). */
function jpegComponents(b: Uint8Array): number {
  expect([b[0], b[1]]).toEqual([0xff, 0xd8]);
  for (let i = 2; i < b.length;) {
    if (b[i] !== 0xff) throw new Error(`bad marker at ${i}`);
    const m = b[i + 1];
    const len = (b[i + 2] << 8) | b[i + 3];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return b[i + 9];
    i += 2 + len;
  }
  throw new Error('no SOF');
}

function checkMarketplaceJpeg(bytes: Uint8Array): void {
  expect(jpegComponents(bytes)).toBe(3);
  const img = jpeg.decode(bytes, { useTArray: true });
  expect([img.width, img.height]).toEqual([2000, 2000]);
  for (const [x, y] of [
    [0, 0],
    [1999, 0],
    [0, 1999],
    [1999, 1999],
  ]) {
    const p = (y * 2000 + x) * 4;
    expect([...img.data.subarray(p, p + 3)]).toEqual([255, 255, 255]);
  }
}

async function allDone(page: Page, n: number): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(
          () =>
            (window as unknown as Win).jingjie.queue?.snapshot().tasks.filter((t) => t.state === 'done')
              .length,
        ),
      { timeout: minutes(1), intervals: [100, 250, 500] },
    )
    .toBe(n);
}

/** The app with an empty queue (the profile is shared with the other tests of this file). */
async function openEmpty(page: Page): Promise<void> {
  await page.goto('/');
  await page.waitForFunction(() => !!(window as unknown as Win).jingjie?.queue);
  await page.evaluate(async () => {
    const q = (window as unknown as Win).jingjie.queue as unknown as {
      ready: Promise<void>;
      clearAll(): Promise<void>;
    };
    await q.ready;
    await q.clearAll();
  });
}

test.describe.configure({ mode: 'serial' });

test('Marketplace: one JPEG and a ZIP of the batch, picks and presets survive a reload', async ({ page }) => {
  test.setTimeout(minutes(3));
  await openEmpty(page);
  await dropFiles(page, ['chelsea.png', 'coffee.png', 'astronaut.png'].map(photoPath));
  await allDone(page, 3);

  // One result with the Marketplace preset.
  const picker = page.getByTestId('export-preset');
  await expect(picker.locator('option', { hasText: 'Marketplace' })).toHaveCount(1);
  await picker.selectOption('builtin:marketplace');
  // The preview shows the white square canvas before anything is exported.
  await expect(page.getByTestId('preset-preview')).toBeVisible();
  await page.locator('.result__panel').screenshot({ path: shot('picker') });
  const one = await downloadFrom(page, page.getByTestId('download'));
  expect(one.name).toMatch(/-nobg\.jpg$/);
  checkMarketplaceJpeg(one.bytes);

  // A saved preset (square WebP) and the picks survive a reload.
  await page.getByTestId('export-preset-new').click();
  const editor = page.getByTestId('preset-editor');
  await expect(editor).toBeVisible();
  await page.getByTestId('preset-name').fill('Shop square WebP');
  await page.getByTestId('preset-bg').selectOption('transparent');
  await page.getByTestId('preset-format').selectOption('jpeg');
  await page.getByTestId('preset-save').click();
  // JPEG over transparency is refused, with its reason.
  await expect(editor.locator('[data-issue="jpegNeedsOpaque"]')).toBeVisible();
  await editor.screenshot({ path: shot('editor-refused') });
  await page.getByTestId('preset-format').selectOption('webp');
  await page.getByTestId('preset-canvas').selectOption('1:1');
  await page.getByTestId('preset-save').click();
  await expect(editor).toBeHidden();
  await expect(picker.locator('option:checked')).toHaveText('Shop square WebP');

  const zipPicker = page.getByTestId('zip-preset');
  await zipPicker.selectOption('builtin:marketplace');
  await page.reload();
  await allDone(page, 3);
  await expect(page.getByTestId('export-preset').locator('option:checked')).toHaveText('Shop square WebP');
  await expect(page.getByTestId('zip-preset').locator('option:checked')).toContainText('Marketplace');

  // "Download all" with Marketplace: a Blob download (no save-file picker), every entry a 2000² JPEG.
  await page.evaluate(() => {
    (window as unknown as Win).showSaveFilePicker = undefined;
  });
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: minutes(1) }),
    page.getByTestId('download-all').click(),
  ]);
  const entries = unzipSync(new Uint8Array(readFileSync(await download.path())));
  const names = Object.keys(entries).sort();
  expect(names).toEqual(['astronaut-nobg.jpg', 'chelsea-nobg.jpg', 'coffee-nobg.jpg']);
  for (const n of names) checkMarketplaceJpeg(entries[n]);

  // A look at the Marketplace output as the user gets it.
  const b64 = Buffer.from(entries['coffee-nobg.jpg']).toString('base64');
  const view = await page.context().newPage();
  await view.setContent(
    `<body style="margin:0;background:#888"><img src="data:image/jpeg;base64,${b64}" style="width:800px;height:800px;display:block"></body>`,
  );
  await view.setViewportSize({ width: 800, height: 800 });
  await view.screenshot({ path: shot('marketplace-output') });
  await view.close();
});

/**
 * One photo done and no preset picked (so no preview), then `standIn` told to the stand-in engine
 * (how its next present() calls go wrong); returns the preset picker.
 */
async function doneThenStandIn(page: Page, standIn: Record<string, number>) {
  await openEmpty(page);
  await dropFiles(page, [photoPath('chelsea.png')]);
  await allDone(page, 1);
  const picker = page.getByTestId('export-preset');
  await picker.selectOption('');
  await expect(page.getByTestId('preset-preview')).toHaveCount(0);
  await page.evaluate(
    (m) => (window as unknown as { __jjStandIn: Worker }).__jjStandIn.postMessage(m),
    standIn,
  );
  return picker;
}

test('a preview that fails says why and is made on Try again', async ({ page }) => {
  test.setTimeout(minutes(2));
  // The next render fails in the worker, as a damaged stored cut-out would; Marketplace is picked.
  const picker = await doneThenStandIn(page, { __standInFailPresent: 1 });
  await picker.selectOption('builtin:marketplace');
  const failed = page.getByTestId('preset-preview-error');
  await expect(failed).toContainText('The preview could not be made.');
  await expect(failed).toContainText('damaged or incomplete');
  await expect(page.getByTestId('preset-preview')).toHaveCount(0);
  await page.locator('.result__panel').screenshot({ path: shot('preview-failed') });
  await page.getByTestId('preset-preview-retry').click();
  await expect(page.getByTestId('preset-preview')).toBeVisible();
  await expect(failed).toHaveCount(0);
});

test('a preview whose render never answers is asked for again', async ({ page }) => {
  test.setTimeout(minutes(2));
  const picker = await doneThenStandIn(page, { __standInHangPresent: 1 });
  await picker.selectOption('builtin:marketplace');
  // The first render never answers: the marker says so; after PREVIEW_WAIT_MS (15 s) the second
  // render is the preview.
  await expect(page.getByTestId('preset-preview-pending')).toHaveAttribute('data-phase', 'present 1');
  await expect(page.getByTestId('preset-preview')).toBeVisible({ timeout: 40_000 });
  await expect(page.getByTestId('preset-preview-error')).toHaveCount(0);
});
