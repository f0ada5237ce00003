// The fast tier's fixture: every page of the test runs the app with the stand-in engine
// (test/support/stand-in-engine.ts) instead of the model, so UI, queue, export, language and
// accessibility specs take seconds. `inferenceMs` sets how long each stand-in "inference" takes.
import { test as base, expect } from '@playwright/test';
import { standInEngineScript } from '../../support/stand-in-engine';

export const test = base.extend<{ inferenceMs: number; noPageErrors: void }>({
  inferenceMs: [100, { option: true }],
  // Every fast-tier test fails on an uncaught error or unhandled rejection in the page.
  noPageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
      await use();
      expect(errors, 'uncaught errors in the page').toEqual([]);
    },
    { auto: true },
  ],
  context: async ({ context, inferenceMs }, use) => {
    await context.addInitScript(standInEngineScript(inferenceMs));
    await use(context);
  },
});

export { expect };
