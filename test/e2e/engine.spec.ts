// The engine in a real browser on WASM: results against the native reference masks, the
// IndexedDB model cache, and typed errors for bad input (one page: one model start). WebGPU: engine-webgpu.spec.ts.
import { test, expect } from './helpers/profile';
import fs from 'node:fs';
import path from 'node:path';
import { expectMatchesReference, recordModelRequests, runInPage, storedModels } from './helpers/engine';
import { ROOT, photoPath, readFixture } from './helpers/fixtures';

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'public/models/models.json'), 'utf8')) as {
  defaults: Record<string, string>;
  variants: { id: string; file: string }[];
};
const photo = (name: string) => readFixture(photoPath(name));

test.describe('engine on WASM', () => {
  test.describe.configure({ mode: 'serial' });

  test('a real photo matches the native reference; after a reload the model comes from IndexedDB, bad input gives typed errors and the same engine goes on', async ({
    page,
    context,
  }) => {
    test.setTimeout(300_000);
    const requests = recordModelRequests(context);
    await page.goto('/');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    // The app starts loading the default model as soon as it opens: one download, verified and
    // stored in IndexedDB by the time the store holds it.
    // If the app says it could not store the model, fail at once with the browser's reason.
    await expect
      .poll(
        async () => {
          const warning = page.getByTestId('storage-warning');
          if (await warning.count()) return `storage warning: ${await warning.getAttribute('title')}`;
          return storedModels(page);
        },
        { timeout: 240_000 },
      )
      .toBe(1);
    expect(requests.length).toBe(1);
    expect(requests[0]).toContain(manifest.variants.find((v) => v.id === manifest.defaults.wasm)!.file);

    const r = await runInPage(page, photo('chelsea.png'), { app: true });
    expect(r.ok, r.message).toBe(true);
    expect(r.backend).toBe('wasm');
    expect(r.variant).toBe(manifest.defaults.wasm);
    expect(r.type).toBe('image/png');
    expect(r.modelFrom).toBe('network');
    expectMatchesReference(r, 'chelsea.png');
    expect(requests.length).toBe(1);

    await page.reload();
    requests.length = 0;
    // Bad input gives typed errors, and the same engine goes on to the next photo.
    const text = await runInPage(page, Buffer.from('this is not an image\n'), { app: true });
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
      const b = new Uint8Array(
        await (await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer(),
      );
      let s = '';
      for (const x of b) s += String.fromCharCode(x);
      return btoa(s);
    });
    const full = Buffer.from(jpeg, 'base64');
    const truncated = await runInPage(page, full.subarray(0, Math.floor(full.length / 3)));
    expect(truncated.ok).toBe(false);
    expect(truncated.name).toBe('DecodeFailed');

    const again = await runInPage(page, photo('astronaut.png'), { app: true });
    expect(again.modelFrom).toBe('indexeddb');
    expectMatchesReference(again, 'astronaut.png');
    expect(requests).toEqual([]);
  });
});
