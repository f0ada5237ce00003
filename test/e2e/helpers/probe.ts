// A page whose engine runs the probe graph (same interface as the real model, milliseconds per
// run) from a test-only model folder: for specs about inputs, not masks.
import type { Page } from '@playwright/test';
import { probeModel } from '../../fixtures/probe/probe-model.mjs';

/** Serve the probe graph and its manifest under /__probe/ on the page's origin. */
export async function routeProbeModel(page: Page): Promise<void> {
  const probe = probeModel();
  await page.route('**/__probe/**', (route) => {
    const file = new URL(route.request().url()).pathname.split('/__probe/')[1];
    if (file === 'models.json') return route.fulfill({ json: probe.manifest });
    if (file === 'probe.onnx')
      return route.fulfill({ body: probe.bytes, contentType: 'application/octet-stream' });
    return route.fulfill({ status: 404 });
  });
}
