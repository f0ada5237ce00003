// "Use your own RMBG-1.4 model file" (issue 14) with the real runtime: a non-model file and a model
// with the wrong interface are refused with their messages and change nothing; a compatible model
// made at test time (a copy of the bundled uint8 graph, so not an official RMBG-1.4 file) is
// checked, offered, chosen, and runs offline after the reload; removing it brings the default back.
import AxeBuilder from '@axe-core/playwright';
import { test, expect } from './helpers/profile';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, photoPath, readFixture } from './helpers/fixtures';
import { tinyModel } from './helpers/tiny-onnx';

const UNVERIFIED = 'model_quantized.onnx (imported file, not verified as RMBG-1.4)';

/** A copy of a bundled graph that is a different file: a doc_string (field 6) appended to its ModelProto. */
function copyOfBundledGraph(dest: string): void {
  const note = Buffer.from('jingjie e2e copy');
  const bytes = fs.readFileSync(path.join(ROOT, 'public/models/isnet-uint8.onnx'));
  fs.writeFileSync(dest, Buffer.concat([bytes, Buffer.from([0x32, note.length]), note]));
}

test('an imported model file is checked, offered, runs offline after a reload, and can be removed', async ({
  page,
  context,
}, testInfo) => {
  // Two 1024² inferences and three model loads: 2.4–2.6 min measured with the 2 cores at load 10–20.
  test.setTimeout(420_000);
  // The smallest bundled model as the starting choice, so the first load is quick (kept once set).
  await context.addInitScript(() => {
    if (!localStorage.getItem('jingjie.model')) localStorage.setItem('jingjie.model', 'isnet-uint8');
  });
  await page.goto('/');
  await expect(page.getByTestId('dropzone')).toBeVisible();
  await expect(page.getByTestId('model-progress')).toBeHidden({ timeout: 120_000 });
  await page.locator('details.engine summary').click();
  const choice = page.getByTestId('model-choice');
  const input = page.getByTestId('model-import-input');
  const error = page.getByTestId('model-import-error');
  // The list is filled from the worker once it answers (it may be writing the model meanwhile).
  await expect(choice.locator('option')).not.toHaveCount(0);
  const offered = await choice.locator('option').allTextContents();

  // A photo renamed .onnx: not a model.
  await input.setInputFiles({
    name: 'cat.onnx',
    mimeType: 'application/octet-stream',
    buffer: readFixture(photoPath('chelsea.png')),
  });
  await expect(error).toHaveText(
    '“cat.onnx” is not an ONNX model that this app can open. Choose model.onnx, model_fp16.onnx or model_quantized.onnx from briaai/RMBG-1.4. Nothing was changed.',
  );
  // An ONNX model with the wrong interface (512² instead of 1024²).
  await input.setInputFiles({
    name: 'model.onnx',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(tinyModel({ inputDims: [1, 3, 512, 512], outputDims: [1, 1, 512, 512] })),
  });
  await expect(error).toHaveText(
    '“model.onnx” is an ONNX model, but not a compatible one: its input “input” is float32 [1,3,512,512], and the app needs float32 [1,3,1024,1024]. Nothing was changed.',
  );
  expect(await choice.locator('option').allTextContents()).toEqual(offered);
  await expect(page.getByTestId('imported-model')).toHaveCount(0);

  // A compatible model: checked (a test run on a blank image), stored, offered by its file name.
  const file = testInfo.outputPath('model_quantized.onnx');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  copyOfBundledGraph(file);
  await input.setInputFiles(file);
  await expect(page.getByTestId('model-import-status')).toContainText(
    '“model_quantized.onnx” was added as an imported file, not verified as RMBG-1.4',
    { timeout: 120_000 },
  );
  await expect(error).toHaveCount(0);
  await expect(page.getByTestId('imported-model')).toHaveCount(1);
  await expect(page.getByTestId('imported-model')).toContainText(
    'If this is RMBG-1.4: BRIA’s bria-rmbg-1.4 licence, non-commercial use only.',
  );
  expect((await new AxeBuilder({ page }).include('details.engine').analyze()).violations).toEqual([]);
  const id = (await page.getByTestId('imported-model').getAttribute('data-id')) ?? '';
  expect(id).toMatch(/^imported-[0-9a-f]{16}$/);
  await expect(choice.locator(`option[value="${id}"]`)).toHaveText(
    new RegExp(`^${UNVERIFIED.replace(/[().]/g, '\\$&')} · 44\\.3 MB$`),
  );

  // Chosen with no network: the reload reads it from IndexedDB and a photo gets a result.
  await page.waitForFunction(() => !!navigator.serviceWorker?.controller, undefined, { timeout: 60_000 });
  await context.setOffline(true);
  try {
    await Promise.all([page.waitForEvent('load'), choice.selectOption(id)]);
    await expect(page.getByTestId('model-progress')).toBeHidden({ timeout: 120_000 });
    await expect(page.locator('details.engine summary')).toContainText(UNVERIFIED);
    await page.getByTestId('file-input').setInputFiles(photoPath('chelsea.png'));
    await expect(page.getByTestId('result-stats')).toBeVisible({ timeout: 180_000 });
    await expect(page.getByTestId('result-stats')).toHaveAttribute('data-variant', id);
    await expect(page.getByTestId('result-stats')).toContainText(UNVERIFIED);

    // Removed (after a confirmation): the default takes over after the reload, still offline.
    await page.locator('details.engine summary').click();
    page.once('dialog', (d) => void d.accept());
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: `Remove ${UNVERIFIED}` }).click(),
    ]);
    await expect(page.getByTestId('model-progress')).toBeHidden({ timeout: 120_000 });
    await page.locator('details.engine summary').click();
    await expect(page.getByTestId('imported-model')).toHaveCount(0);
    await expect(page.getByTestId('engine-weights')).toHaveText(/^IS-Net uint8/);
  } finally {
    await context.setOffline(false);
  }
});
