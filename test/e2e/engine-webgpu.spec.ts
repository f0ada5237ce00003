// The engine on WebGPU. Headless Chromium's adapter here is SwiftShader (CPU-emulated: correct
// but slow), so this is one small photo. Needs --enable-unsafe-webgpu, hence its own file.
import { test, expect } from './helpers/profile';
import fs from 'node:fs';
import path from 'node:path';
import { expectMatchesReference, runInPage } from './helpers/engine';
import { ROOT, photoPath, readFixture } from './helpers/fixtures';

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'public/models/models.json'), 'utf8')) as {
  defaults: Record<string, string>;
};

test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
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
  test.setTimeout(900_000);
  await page.goto('/');
  const adapter = await page.evaluate(async () => {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ features: Set<string> } | null> } }).gpu;
    const a = gpu ? await gpu.requestAdapter() : null;
    return a ? { features: [...a.features] } : null;
  });
  expect(adapter, 'headless Chromium with --enable-unsafe-webgpu exposes a (SwiftShader) adapter').not.toBeNull();
  const r = await runInPage(page, readFixture(photoPath('chelsea.png')), { backend: 'webgpu' });
  expect(r.ok, r.message).toBe(true);
  expect(r.backend, r.fallbackReason).toBe('webgpu');
  // SwiftShader has no shader-f16, so the fp32 graph runs.
  expect(r.variant).toBe(manifest.defaults.webgpu);
  expectMatchesReference(r, 'chelsea.png');
});
