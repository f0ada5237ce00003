// As tolerant as the browser (workers/pipeline/README.md, the rule): each damaged file of
// test/fixtures/corpus/damage.mjs is first shown to Chromium itself — createImageBitmap, then an
// <img> — and the app must agree: what Chromium shows whole gives a cut-out of that size, what it
// cannot show gets a clear error naming the file. Nothing is written down per file: the browser
// is asked. The engine runs the probe graph (as inputs.spec): decoding is what is tested here.
import { test, expect, type Page } from '@playwright/test';
import { damageCorpus } from '../fixtures/corpus/damage.mjs';
import { routeProbeModel } from './helpers/probe';

interface DamagedFile {
  file: string;
  bytes: Buffer;
  note: string;
  type?: string;
}

/** What Chromium does with a file: decoded at a size (and how), or not shown. */
interface BrowserView {
  how: 'createImageBitmap' | 'img' | 'refused';
  width?: number;
  height?: number;
  /** <img> only: the most empty (transparent) lines at any one edge of what it drew. */
  emptyLines?: number;
}

interface AppResult {
  ok: boolean;
  name?: string;
  message?: string;
  issue?: string;
  width?: number;
  height?: number;
  originalWidth?: number;
  originalHeight?: number;
}

/**
 * The rows of blocks a JPEG decoder holds back until it sees the end marker: 8 × the largest
 * vertical sampling factor in the SOF (16 for 4:2:0). 0 for other formats, which hold nothing back.
 */
function jpegBlockRows(b: Buffer): number {
  if (b[0] !== 0xff || b[1] !== 0xd8) return 0;
  let i = 2;
  while (i + 4 <= b.length && b[i] === 0xff) {
    const m = b[i + 1];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      let v = 1;
      for (let c = 0; c < b[i + 9]; c++) v = Math.max(v, b[i + 11 + c * 3] & 15);
      return 8 * v;
    }
    i += 2 + b.readUInt16BE(i + 2);
  }
  return 0;
}

let files: DamagedFile[];
let page: Page;
const pageErrors: string[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  files = (await damageCorpus()) as DamagedFile[];
  page = await browser.newPage({ serviceWorkers: 'block' });
  page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
  await page.route('**/__damage/**', (route) => {
    const name = decodeURIComponent(new URL(route.request().url()).pathname.split('/__damage/')[1]);
    const f = files.find((x) => x.file === name);
    return f
      ? route.fulfill({ status: 200, body: f.bytes, contentType: 'application/octet-stream' })
      : route.fulfill({ status: 404 });
  });
  await routeProbeModel(page);
  await page.goto('/');
  await page.evaluate(async () => {
    const engine = window.jingjie.createEngine({
      backend: 'wasm',
      modelBaseUrl: new URL('/__probe/', location.href).href,
    });
    await engine.load();
    (window as unknown as { __damage: unknown }).__damage = engine;
  });
});

test.afterAll(async () => {
  await page?.close();
});

/** Ask Chromium: createImageBitmap first; failing that, an <img>, and how much of it it draws. */
function browserView(f: DamagedFile): Promise<BrowserView> {
  return page.evaluate(
    async ({ file, type }) => {
      const data = await (await fetch(`/__damage/${encodeURIComponent(file)}`)).arrayBuffer();
      const blob = new Blob([data], type ? { type } : {});
      try {
        const b = await createImageBitmap(blob, { imageOrientation: 'from-image' });
        const view = { how: 'createImageBitmap' as const, width: b.width, height: b.height };
        b.close();
        return view;
      } catch {
        // not decoded this way: the <img> below
      }
      const url = URL.createObjectURL(blob);
      const img = new Image();
      const loaded = await new Promise<boolean>((resolve) => {
        img.onload = () => resolve(true);
        img.onerror = () => resolve(false);
        img.src = url;
      });
      URL.revokeObjectURL(url);
      if (!loaded || !img.naturalWidth) return { how: 'refused' as const };
      const w = img.naturalWidth;
      const h = img.naturalHeight;
      const ctx = new OffscreenCanvas(w, h).getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, w, h).data;
      const empty = (x: number, y: number) => d[(y * w + x) * 4 + 3] === 0;
      const row = (y: number) => Array.from({ length: w }, (_, x) => x).every((x) => empty(x, y));
      const col = (x: number) => Array.from({ length: h }, (_, y) => y).every((y) => empty(x, y));
      const run = (n: number, line: (k: number) => boolean) => {
        let k = 0;
        while (k < n && line(k)) k++;
        return k;
      };
      const emptyLines = Math.max(
        run(h, (k) => row(k)),
        run(h, (k) => row(h - 1 - k)),
        run(w, (k) => col(k)),
        run(w, (k) => col(w - 1 - k)),
      );
      return { how: 'img' as const, width: w, height: h, emptyLines };
    },
    { file: f.file, type: f.type },
  );
}

/** The app's engine on the same file, as the page hands it over (name and MIME type included). */
function appResult(f: DamagedFile): Promise<AppResult> {
  return page.evaluate(
    async ({ file, type }) => {
      const engine = (window as unknown as { __damage: ReturnType<Window['jingjie']['createEngine']> })
        .__damage;
      const data = await (await fetch(`/__damage/${encodeURIComponent(file)}`)).arrayBuffer();
      try {
        const r = await engine.removeBackground(new File([data], file, type ? { type } : {}), {
          decontaminate: false,
        });
        return {
          ok: true,
          width: r.width,
          height: r.height,
          originalWidth: r.originalWidth,
          originalHeight: r.originalHeight,
        };
      } catch (e) {
        const err = e as Error & { detail?: { issue?: unknown } };
        const issue = typeof err.detail?.issue === 'string' ? err.detail.issue : undefined;
        return { ok: false, name: err.name, message: err.message, issue };
      }
    },
    { file: f.file, type: f.type },
  );
}

test('damaged files: a cut-out where Chromium shows the picture, a clear error where it cannot', async () => {
  test.setTimeout(600_000);
  const failures: string[] = [];
  const table: string[] = [];
  let shownOnlyByImg = 0;
  for (const f of files) {
    await test.step(f.file, async () => {
      const view = await browserView(f);
      // Whole: decoded as is, or drawn by <img> with nothing missing but the row of blocks a JPEG
      // decoder holds back for its end marker.
      const shown =
        view.how === 'createImageBitmap' ||
        (view.how === 'img' && view.emptyLines! <= jpegBlockRows(f.bytes));
      if (shown && view.how === 'img') shownOnlyByImg++;
      const r = await appResult(f);
      let verdict = '';
      if (shown && !r.ok)
        verdict = `Chromium shows it ${view.width}×${view.height}; the app said ${r.name}: ${r.message}`;
      else if (shown && (r.originalWidth !== view.width || r.originalHeight !== view.height))
        verdict = `Chromium shows it ${view.width}×${view.height}; the cut-out is of ${r.originalWidth}×${r.originalHeight}`;
      else if (!shown && r.ok)
        verdict = `Chromium does not show it whole; the app gave a ${r.width}×${r.height} cut-out`;
      else if (!shown && !['DecodeFailed', 'NotAnImage', 'UnsupportedFormat'].includes(r.name!))
        verdict = `expected a decoding error, got ${r.name}: ${r.message}`;
      else if (!shown && !r.message?.includes(f.file))
        verdict = `the message does not name the file: ${r.message}`;
      const chromium =
        view.how === 'refused'
          ? 'refused'
          : `${view.how} ${view.width}×${view.height}${view.how === 'img' ? `, ${view.emptyLines} empty lines` : ''}`;
      const app = r.ok ? `cut-out ${r.width}×${r.height}` : `${r.name}${r.issue ? ` (${r.issue})` : ''}`;
      table.push(`${f.file.padEnd(36)} ${chromium.padEnd(40)} ${app}${verdict ? '  ✗' : ''}`);
      if (verdict) failures.push(`${f.file} (${f.note}): ${verdict}`);
    });
  }
  console.log(table.join('\n'));
  expect(failures, failures.join('\n')).toEqual([]);
  // The corpus reaches the fallback: some files only an <img> shows whole (a JPEG without EOI).
  expect(shownOnlyByImg).toBeGreaterThan(0);
  expect(pageErrors).toEqual([]);
});
