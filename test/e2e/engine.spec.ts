// The engine in a real browser: WASM and WebGPU results against the native reference masks,
// the IndexedDB model cache, and typed errors for bad input.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';

const root = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'public/models/models.json'), 'utf8')) as {
  defaults: Record<string, string>;
  variants: { id: string; file: string }[];
};
const photo = (name: string) => fs.readFileSync(path.join(root, 'test/fixtures/photos', name));

function referenceMask(variant: string, name: string): { width: number; height: number; data: Uint8Array } {
  const png = PNG.sync.read(fs.readFileSync(path.join(root, 'test/fixtures/reference', variant, name)));
  const data = new Uint8Array(png.width * png.height);
  for (let i = 0; i < data.length; i++) data[i] = png.data[i * 4];
  return { width: png.width, height: png.height, data };
}

/** Mean absolute difference (0–255) and IoU of the two masks thresholded at 128. */
function compareMasks(a: Uint8Array, b: Uint8Array) {
  let sum = 0;
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    sum += Math.abs(a[i] - b[i]);
    const x = a[i] >= 128;
    const y = b[i] >= 128;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return { mad: sum / a.length, iou: union ? inter / union : 1 };
}

interface PageResult {
  ok: boolean;
  name?: string;
  message?: string;
  width?: number;
  height?: number;
  mask?: number[];
  backend?: string;
  variant?: string;
  modelFrom?: string;
  type?: string;
}

/** Create an engine in the page (kept on window between calls) and run one image through it. */
async function runInPage(page: Page, bytes: Buffer, opts: { backend?: string; variant?: string } = {}): Promise<PageResult> {
  return page.evaluate(
    async ({ b64, opts }) => {
      const w = window as unknown as { __eng?: ReturnType<Window['jingjie']['createEngine']> };
      w.__eng ??= window.jingjie.createEngine(opts as never);
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      try {
        const r = await w.__eng.removeBackground(new Blob([bytes]));
        const info = w.__eng.info()!;
        return {
          ok: true,
          width: r.width,
          height: r.height,
          mask: Array.from(r.mask),
          backend: r.backend,
          variant: r.variant,
          modelFrom: info.modelFrom,
          type: r.blob.type,
        };
      } catch (e) {
        const err = e as Error;
        return { ok: false, name: err.name, message: err.message };
      }
    },
    { b64: bytes.toString('base64'), opts },
  );
}

function expectMatchesReference(r: PageResult, variant: string, name: string) {
  const ref = referenceMask(variant, name);
  expect(r.ok, r.message).toBe(true);
  expect([r.width, r.height]).toEqual([ref.width, ref.height]);
  const { mad, iou } = compareMasks(Uint8Array.from(r.mask!), ref.data);
  console.log(`${r.backend}/${r.variant} ${name}: mean abs diff ${mad.toFixed(3)}, IoU ${iou.toFixed(4)}`);
  expect(mad).toBeLessThanOrEqual(2);
  expect(iou).toBeGreaterThanOrEqual(0.99);
}

function modelRequests(context: BrowserContext): string[] {
  const seen: string[] = [];
  context.on('request', (req) => {
    if (/\/models\/[^/]+\.onnx/.test(req.url())) seen.push(req.url());
  });
  return seen;
}

test.describe('engine on WASM', () => {
  test.describe.configure({ mode: 'serial' });

  test('a real photo matches the native reference; a reload reads the model from IndexedDB', async ({ page, context }) => {
    test.setTimeout(240_000);
    const requests = modelRequests(context);
    await page.goto('/');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const r = await runInPage(page, photo('chelsea.png'), { backend: 'wasm' });
    expect(r.backend).toBe('wasm');
    expect(r.variant).toBe(manifest.defaults.wasm);
    expect(r.type).toBe('image/png');
    expect(r.modelFrom).toBe('network');
    expectMatchesReference(r, r.variant!, 'chelsea.png');
    expect(requests.length).toBe(1);

    await page.reload();
    requests.length = 0;
    const again = await runInPage(page, photo('astronaut.png'), { backend: 'wasm' });
    expect(again.modelFrom).toBe('indexeddb');
    expect(requests).toEqual([]);
    expectMatchesReference(again, again.variant!, 'astronaut.png');
  });

  test('bad input gives typed errors and the same engine goes on', async ({ page }) => {
    test.setTimeout(240_000);
    await page.goto('/');
    const text = await runInPage(page, Buffer.from('this is not an image\n'), { backend: 'wasm' });
    expect(text.ok).toBe(false);
    expect(['NotAnImage', 'DecodeFailed']).toContain(text.name);
    expect(text.message).toBeTruthy();

    const empty = await runInPage(page, Buffer.alloc(0));
    expect(empty).toMatchObject({ ok: false, name: 'EmptyFile' });

    // A real JPEG cut in half: the header is fine, the data is not.
    const jpeg = await page.evaluate(async () => {
      const c = new OffscreenCanvas(640, 480);
      const g = c.getContext('2d')!;
      g.fillStyle = '#c33';
      g.fillRect(0, 0, 640, 480);
      g.fillStyle = '#3c3';
      g.beginPath();
      g.arc(320, 240, 150, 0, Math.PI * 2);
      g.fill();
      const b = new Uint8Array(await (await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer());
      let s = '';
      for (const x of b) s += String.fromCharCode(x);
      return btoa(s);
    });
    const full = Buffer.from(jpeg, 'base64');
    const truncated = await runInPage(page, full.subarray(0, Math.floor(full.length / 3)));
    expect(truncated.ok).toBe(false);
    expect(truncated.name).toBe('DecodeFailed');

    const good = await runInPage(page, photo('chelsea.png'));
    expectMatchesReference(good, good.variant!, 'chelsea.png');
  });
});

test.describe('engine on WebGPU (SwiftShader)', () => {
  test.use({
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--enable-unsafe-webgpu',
      ],
    },
  });

  test('one photo on WebGPU matches the native reference', async ({ page }) => {
    test.setTimeout(600_000);
    await page.goto('/');
    const hasAdapter = await page.evaluate(async () => {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      return !!(gpu && (await gpu.requestAdapter()));
    });
    expect(hasAdapter, 'headless Chromium with --enable-unsafe-webgpu should expose a (SwiftShader) adapter').toBe(true);
    const r = await runInPage(page, photo('chelsea.png'), { backend: 'webgpu' });
    expect(r.ok, r.message).toBe(true);
    expect(r.backend).toBe('webgpu');
    expect(r.variant).toBe(manifest.defaults.webgpu);
    expectMatchesReference(r, r.variant!, 'chelsea.png');
  });
});
