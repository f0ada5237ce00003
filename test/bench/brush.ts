// Refine brush benchmark (issue 14: "no main-thread task over 50 ms while painting" on a 12 MP
// photo). A 4000×3000 photo goes through the stand-in engine (the brush needs no model), the
// editor is opened, and strokes are drawn with the mouse as a person would: the default brush at
// 100 %, a 400 px brush at 100 %, and the largest brush sweeping the whole photo at fit, then an
// undo and a redo of it. Every 'longtask' entry on the page from the first pointer event of a
// stroke until it is in the history is counted.
import { chromium } from '@playwright/test';
import sharp from 'sharp';
import path from 'node:path';
import { standInEngineScript } from '../support/stand-in-engine';

export interface BrushBenchOptions {
  root: string;
  baseURL: string;
  args: string[];
  executablePath: string;
  /** Strokes per case (default 3). */
  repeats?: number;
}

export interface BrushCase {
  name: string;
  strokes: number;
  /** Pointer events per stroke. */
  events: number;
  longTasks: number;
  longestTaskMs: number;
}

export interface BrushBenchResult {
  width: number;
  height: number;
  cases: BrushCase[];
  /** Long tasks from pressing "Refine with the brush" to the editor being ready. */
  openLongestTaskMs: number;
  /** Done on the last edit until the editor closed (the full-resolution save). */
  saveMs: number;
  longestTaskMs: number;
  line: string;
}

export async function runBrushBench(o: BrushBenchOptions): Promise<BrushBenchResult> {
  const width = 4000,
    height = 3000;
  const photo = await sharp(path.join(o.root, 'test/fixtures/photos/chelsea.png'))
    .resize(width, height)
    .jpeg({ quality: 90 })
    .toBuffer();
  const browser = await chromium.launch({ executablePath: o.executablePath, args: o.args });
  try {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, baseURL: o.baseURL });
    await ctx.addInitScript(standInEngineScript(50));
    await ctx.addInitScript(() => {
      const w = window as unknown as { __long: { t: number; d: number }[] };
      w.__long = [];
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) w.__long.push({ t: e.startTime, d: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    const page = await ctx.newPage();
    const now = () => page.evaluate(() => performance.now());
    const longSince = (t: number) =>
      page.evaluate(
        (t) =>
          (window as unknown as { __long: { t: number; d: number }[] }).__long
            .filter((e) => e.t >= t)
            .map((e) => e.d),
        t,
      );
    await page.goto('/');
    await page
      .getByTestId('file-input')
      .setInputFiles({ name: 'big.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.waitForSelector('[data-testid=download]:not([disabled])', { timeout: 120_000 });

    let t = await now();
    await page.getByTestId('brush-open').click();
    await page.waitForSelector('[data-testid=brush-editor][data-phase=ready]', { timeout: 120_000 });
    const openLongestTaskMs = Math.max(0, ...(await longSince(t)));

    const canvas = page.getByTestId('brush-canvas');
    const b = (await canvas.boundingBox())!;
    const cx = b.x + b.width / 2,
      cy = b.y + b.height / 2;
    /** A zig-zag of n pointer positions, w × h screen pixels around the centre. */
    const zig = (n: number, w: number, h: number): [number, number][] =>
      Array.from({ length: n }, (_, i) => {
        const k = i % 20 < 10 ? i % 10 : 10 - (i % 10);
        return [cx - w / 2 + (w * i) / n, cy - h / 2 + (k * h) / 10];
      });
    let strokes = 0;
    const stroke = async (pts: [number, number][]) => {
      // The zoom or size change before it has settled: only the stroke is measured.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 300))));
      const t0 = await now();
      await page.mouse.move(...pts[0]);
      await page.mouse.down();
      for (const p of pts.slice(1)) await page.mouse.move(...p);
      await page.mouse.up();
      strokes++;
      await page.waitForSelector(`[data-testid=brush-editor][data-strokes="${strokes}"]`, {
        timeout: 120_000,
      });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      return longSince(t0);
    };
    const repeats = o.repeats ?? 3;
    const cases: BrushCase[] = [];
    const run = async (name: string, setup: () => Promise<void>, pts: [number, number][]) => {
      await setup();
      const long: number[] = [];
      for (let i = 0; i < repeats; i++) long.push(...(await stroke(pts)));
      cases.push({
        name,
        strokes: repeats,
        events: pts.length,
        longTasks: long.length,
        longestTaskMs: Math.round(Math.max(0, ...long)),
      });
    };
    const key = async (k: string) => {
      await canvas.focus();
      await page.keyboard.press(k);
    };
    await run('default brush, 100 %', () => key('1'), zig(300, 600, 300));
    await run('400 px brush, 100 %', () => page.getByTestId('brush-size').fill('400'), zig(200, 600, 300));
    await run(
      'largest brush, whole photo at fit',
      async () => {
        await key('0');
        await page.getByTestId('brush-size').fill('1000');
      },
      zig(120, b.width * 0.9, b.height * 0.8),
    );
    t = await now();
    await key('Control+z');
    await page.waitForSelector(`[data-testid=brush-editor][data-strokes="${strokes - 1}"]`);
    await key('Control+Shift+z');
    await page.waitForSelector(`[data-testid=brush-editor][data-strokes="${strokes}"]`);
    await page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
    const undoLong = await longSince(t);
    cases.push({
      name: 'undo + redo of the largest stroke',
      strokes: 1,
      events: 0,
      longTasks: undoLong.length,
      longestTaskMs: Math.round(Math.max(0, ...undoLong)),
    });

    const t1 = Date.now();
    await page.getByTestId('brush-done').click();
    await page.getByTestId('brush-editor').waitFor({ state: 'hidden', timeout: 180_000 });
    const saveMs = Date.now() - t1;

    const longestTaskMs = Math.max(...cases.map((c) => c.longestTaskMs));
    const total = cases.reduce((n, c) => n + c.longTasks, 0);
    return {
      width,
      height,
      cases,
      openLongestTaskMs: Math.round(openLongestTaskMs),
      saveMs,
      longestTaskMs,
      line: `brush: ${width}×${height}, ${cases.length} cases, ${total} main-thread tasks over 50 ms while painting, longest ${longestTaskMs} ms (target: none)`,
    };
  } finally {
    await browser.close();
  }
}
