// The refine brush (issue 14), fast tier: one erase stroke painted with the mouse changes exactly
// the stroke's footprint in the downloaded PNG, the ZIP carries the same edit, the edit survives a
// reload and can be undone there. On a touch screen a second finger turns a stroke into a pinch
// zoom and the stroke is dropped; one finger paints. A pen's pressure sets the size.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { applyStrokes, type BrushStroke } from '../../src/shared/brush';
import { photoPath, readFixture } from './helpers/fixtures';
import { downloadFrom, queueReady } from './helpers/page';
import { alphaOf, decodePng } from '../support/png';
import { expect, test } from './helpers/stand-in';

type Q = import('../../src/features/queue/queue').PersistentQueueApi;
type Win = Window & { jingjie: { queue?: Q } };

/** An empty queue, then chelsea.png picked and its (opaque, stand-in) cut-out ready. */
async function photoDone(page: Page): Promise<void> {
  await page.goto('/');
  await queueReady(page);
  await page.evaluate(() => (window as unknown as Win).jingjie.queue!.clearAll());
  // Banners come and go on their own (the 6 s "works offline" one): a layout shift between
  // measuring the canvas and pressing the mouse would move the stroke.
  await page.addStyleTag({ content: '.banner { display: none !important; }' });
  await page.getByTestId('file-input').setInputFiles({
    name: 'cat.png',
    mimeType: 'image/png',
    buffer: readFixture(photoPath('chelsea.png')),
  });
  await expect(page.getByTestId('download')).toBeEnabled();
}

/** The alpha the stored strokes give an opaque cut-out, computed in Node by the same rasteriser. */
function expectedAlpha(w: number, h: number, strokes: BrushStroke[]): Uint8Array {
  const pixels = new Uint8ClampedArray(w * h * 4).fill(255);
  applyStrokes({ width: w, height: h, pixels, target: pixels.slice() }, strokes);
  return alphaOf({ width: w, height: h, data: new Uint8Array(pixels.buffer) });
}

/** Distance from a pixel's centre to the segment a–b. */
function distToSegment(x: number, y: number, a: [number, number], b: [number, number]): number {
  const [px, py] = [x + 0.5, y + 0.5];
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const t = Math.max(0, Math.min(1, ((px - a[0]) * dx + (py - a[1]) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - a[0] - t * dx, py - a[1] - t * dy);
}

test('an erase stroke changes exactly its footprint in the PNG and the ZIP, and survives a reload', async ({
  page,
}) => {
  await photoDone(page);
  const before = decodePng((await downloadFrom(page, page.getByTestId('download'))).bytes);
  const { width: W, height: H } = before;
  expect(alphaOf(before).every((a) => a === 255)).toBe(true); // the stand-in's cut-out is opaque

  await page.getByTestId('brush-open').click();
  const editor = page.getByTestId('brush-editor');
  await expect(editor).toHaveAttribute('data-phase', 'ready');
  const axe = await new AxeBuilder({ page }).include('[data-testid="brush-editor"]').analyze();
  const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  await page.getByTestId('brush-size').fill('30'); // radius 15 px
  const canvas = editor.locator('canvas');
  const box = (await canvas.boundingBox())!;
  const at = (x: number, y: number) => [box.x + (x * box.width) / W, box.y + (y * box.height) / H] as const;
  const a: [number, number] = [100, 150],
    b: [number, number] = [300, 160];
  await page.mouse.move(...at(...a));
  await expect(page.getByTestId('brush-cursor')).toBeVisible();
  await page.mouse.down();
  await page.mouse.move(...at(...b), { steps: 12 });
  await page.mouse.up();
  await expect(page.getByTestId('brush-undo')).toBeEnabled();
  // A mistaken Cancel asks first, and keeping on editing keeps the stroke.
  await page.getByTestId('brush-cancel').click();
  await page.getByRole('button', { name: 'Keep editing' }).click();
  await expect(page.getByTestId('brush-undo')).toBeEnabled();
  await page.getByTestId('brush-done').click();
  await expect(editor).toBeHidden();
  await expect(page.getByTestId('brush-edited')).toContainText('1 stroke');

  const strokes = await page.evaluate(async () => {
    const q = (window as unknown as Win).jingjie.queue!;
    return (await q.edits(q.snapshot().tasks[0].id))!.strokes;
  });
  expect(strokes).toHaveLength(1);
  const [s] = strokes;
  expect(s).toMatchObject({ mode: 'erase', radius: 15, hardness: 0.5 });
  expect(s.pressure).toBeUndefined(); // a mouse has none
  const p = s.points;
  expect(Math.hypot(p[0] - a[0], p[1] - a[1])).toBeLessThan(1.5);
  expect(Math.hypot(p[p.length - 2] - b[0], p[p.length - 1] - b[1])).toBeLessThan(1.5);

  const want = expectedAlpha(W, H, strokes);
  const check = (png: Buffer | Uint8Array) => {
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([W, H]);
    const alpha = alphaOf(img);
    // Exactly what the rasteriser gives for the stored stroke…
    expect(Buffer.from(alpha).equals(Buffer.from(want))).toBe(true);
    // …which is the mouse's path: untouched beyond the radius, fully erased near the path.
    let changed = 0,
      outside = 0,
      kept = 0;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const v = alpha[y * W + x],
          d = distToSegment(x, y, a, b);
        if (v !== 255) changed++;
        if (d > 15 + 1.5 && v !== 255) outside++;
        if (d < 6 && v !== 0) kept++;
      }
    expect({ outside, kept }).toEqual({ outside: 0, kept: 0 });
    expect(changed).toBeGreaterThan(200 * 20);
  };
  check((await downloadFrom(page, page.getByTestId('download'))).bytes);
  const zipEntry = async () => {
    const b64 = await page.evaluate(async () => {
      const q = (window as unknown as Win).jingjie.queue!;
      const bytes = new Uint8Array(await new Response(q.zipStream()).arrayBuffer());
      let s = '';
      for (const x of bytes) s += String.fromCharCode(x);
      return btoa(s);
    });
    return unzipSync(new Uint8Array(Buffer.from(b64, 'base64')))['cat-nobg.png'];
  };
  check(await zipEntry());

  // After a reload: still edited, in the download and in the ZIP; the stroke can be undone.
  await page.reload();
  await queueReady(page);
  await expect(page.getByTestId('brush-edited')).toBeVisible();
  await expect(page.getByTestId('download')).toBeEnabled();
  check((await downloadFrom(page, page.getByTestId('download'))).bytes);
  check(await zipEntry());
  await page.getByTestId('brush-open').click();
  await expect(editor).toHaveAttribute('data-phase', 'ready');
  await page.getByTestId('brush-canvas').focus();
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('brush-redo')).toBeEnabled();
  await page.getByTestId('brush-done').click();
  await expect(editor).toBeHidden();
  await expect(page.getByTestId('brush-edited')).toBeHidden();
  const reverted = alphaOf(decodePng((await downloadFrom(page, page.getByTestId('download'))).bytes));
  expect(reverted.every((v) => v === 255)).toBe(true);
});

test("a pen's pressure sets the size of the stroke, stored with it and exported exactly", async ({
  page,
}) => {
  await photoDone(page);
  await page.getByTestId('brush-open').click();
  const editor = page.getByTestId('brush-editor');
  await expect(editor).toHaveAttribute('data-phase', 'ready');
  await page.getByTestId('brush-size').fill('40'); // radius 20 px
  await expect(page.getByTestId('brush-pressure')).toBeChecked();
  const box = (await editor.locator('canvas').boundingBox())!;
  const cdp = await page.context().newCDPSession(page);
  const pen = (type: 'mousePressed' | 'mouseMoved' | 'mouseReleased', i: number, force: number) =>
    cdp.send('Input.dispatchMouseEvent', {
      type,
      x: box.x + box.width * (0.2 + i * 0.05),
      y: box.y + box.height / 2,
      button: 'left',
      buttons: type === 'mouseReleased' ? 0 : 1,
      clickCount: 1,
      pointerType: 'pen',
      force,
    });
  // Light at first, pressing harder to the end.
  await pen('mousePressed', 0, 0.2);
  for (let i = 1; i <= 10; i++) await pen('mouseMoved', i, 0.2 + i * 0.08);
  await pen('mouseReleased', 10, 0);
  await expect(editor).toHaveAttribute('data-strokes', '1');
  await page.getByTestId('brush-done').click();
  await expect(page.getByTestId('brush-edited')).toContainText('1 stroke');
  const [s] = await page.evaluate(async () => {
    const q = (window as unknown as Win).jingjie.queue!;
    return (await q.edits(q.snapshot().tasks[0].id))!.strokes;
  });
  expect(s.pressure).toHaveLength(s.points.length / 2);
  expect(s.pressure![0]).toBe(0.2);
  expect(s.pressure!.at(-1)).toBe(1);
  const img = decodePng((await downloadFrom(page, page.getByTestId('download'))).bytes);
  const alpha = alphaOf(img);
  expect(Buffer.from(alpha).equals(Buffer.from(expectedAlpha(img.width, img.height, [s])))).toBe(true);
  // Thinner where it was lighter: the erased column at the start is narrower than at the end.
  const column = (x: number) => {
    let n = 0;
    for (let y = 0; y < img.height; y++) if (alpha[y * img.width + Math.round(x)] < 128) n++;
    return n;
  };
  const [x0, xn] = [s.points[0], s.points[s.points.length - 2]];
  expect(column(x0 + 2)).toBeLessThan(column(xn - 2));
});

test.describe('on a touch screen', () => {
  test.use({ hasTouch: true });

  test('two fingers zoom the viewer; in the brush they turn a stroke into a pinch and drop it', async ({
    page,
  }) => {
    await photoDone(page);
    const cdp = await page.context().newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', points: [number, number][]) =>
      cdp.send('Input.dispatchTouchEvent', {
        type,
        touchPoints: points.map(([x, y], id) => ({ x, y, id })),
      });
    const zoom = page.locator('.zoom__pct');
    // The result viewer pinch-zooms too.
    const viewer = (await page.locator('.viewer__box').boundingBox())!;
    const [vx, vy] = [viewer.x + viewer.width / 2, viewer.y + viewer.height / 2];
    const fit = parseInt((await zoom.textContent())!);
    await touch('touchStart', [
      [vx - 10, vy],
      [vx + 10, vy],
    ]);
    for (let i = 1; i <= 5; i++)
      await touch('touchMove', [
        [vx - 10 - i * 10, vy],
        [vx + 10 + i * 10, vy],
      ]);
    await touch('touchEnd', []);
    await expect.poll(async () => parseInt((await zoom.textContent())!)).toBeGreaterThan(fit * 2);

    await page.getByTestId('brush-open').click();
    const editor = page.getByTestId('brush-editor');
    await expect(editor).toHaveAttribute('data-phase', 'ready');
    const before = parseInt((await zoom.textContent())!);
    const box = (await editor.locator('canvas').boundingBox())!;
    const cx = box.x + box.width / 2,
      cy = box.y + box.height / 2;
    // One finger starts painting, then a second lands and the two spread apart.
    await touch('touchStart', [[cx - 20, cy]]);
    await touch('touchMove', [[cx - 30, cy + 5]]);
    await touch('touchStart', [
      [cx - 30, cy + 5],
      [cx + 20, cy],
    ]);
    for (let i = 1; i <= 5; i++)
      await touch('touchMove', [
        [cx - 30 - i * 15, cy + 5],
        [cx + 20 + i * 15, cy],
      ]);
    await touch('touchEnd', []);
    await expect.poll(async () => parseInt((await zoom.textContent())!)).toBeGreaterThan(before * 2);
    await expect(editor).toHaveAttribute('data-strokes', '0');
    await expect(page.getByTestId('brush-undo')).toBeDisabled();
    // Nothing was edited: Cancel closes without asking. One finger alone paints.
    await page.getByTestId('brush-cancel').click();
    await expect(editor).toBeHidden();
    await expect(page.getByTestId('brush-edited')).toBeHidden();
    await page.getByTestId('brush-open').click();
    await expect(editor).toHaveAttribute('data-phase', 'ready');
    await touch('touchStart', [[cx - 20, cy]]);
    for (let i = 1; i <= 5; i++) await touch('touchMove', [[cx - 20 + i * 8, cy + i * 2]]);
    await touch('touchEnd', []);
    await expect(editor).toHaveAttribute('data-strokes', '1');
    await page.getByTestId('brush-done').click();
    await expect(page.getByTestId('brush-edited')).toContainText('1 stroke');
  });
});
