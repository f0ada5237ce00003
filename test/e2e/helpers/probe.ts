// A page whose engine runs the probe graph (same interface as the real model, milliseconds per
// run) from a test-only model folder: for specs about inputs, not masks.
import type { Page } from '@playwright/test';
import { probeModel } from '../../fixtures/probe/probe-model.mjs';

/** Serve the probe graph and its manifest under /__probe/ on the page's origin. */
export async function routeProbeModel(page: Page): Promise<void> {
  const probe = probeModel();
  // '/__probe/' for the spec's own engine; '/models/' too, so the engine the app starts by itself
  // on opening loads the probe instead of downloading and starting the real model beside the spec.
  await page.route(/\/(__probe|models)\//, (route) => {
    const file = new URL(route.request().url()).pathname.split(/\/(?:__probe|models)\//)[1];
    if (file === 'models.json') return route.fulfill({ json: probe.manifest });
    if (file === 'probe.onnx')
      return route.fulfill({ body: probe.bytes, contentType: 'application/octet-stream' });
    return route.fulfill({ status: 404 });
  });
}
