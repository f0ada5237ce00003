// A test whose browser context is a fresh on-disk profile, like a real user's. Playwright's
// default contexts are off the record: IndexedDB lives in memory under a small quota and refuses
// the model, so nothing about the model cache could be tested there.
import { test as base, type BrowserContext, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const test = base.extend<{ context: BrowserContext; page: Page }>({
  context: async ({ playwright, launchOptions, baseURL }, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'jingjie-profile-'));
    const ctx = await playwright.chromium.launchPersistentContext(dir, {
      ...launchOptions,
      headless: true,
      acceptDownloads: true,
      baseURL,
    });
    await use(ctx);
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  },
  page: async ({ context }, use) => {
    await use(context.pages()[0] ?? (await context.newPage()));
  },
});

export { expect } from '@playwright/test';

/**
 * Tests of one spec file sharing one on-disk profile (the model downloaded once, tasks and
 * presets surviving reloads), each with its own page; page errors are logged. `init` runs once on
 * the new context (e.g. the stand-in engine's init script).
 */
export function sharedProfileTest(init?: (ctx: BrowserContext) => Promise<unknown>) {
  return base.extend<{ page: Page }, { shared: BrowserContext }>({
    shared: [
      async ({ playwright }, use, workerInfo) => {
        const dir = mkdtempSync(join(tmpdir(), 'jingjie-e2e-profile-'));
        const ctx = await playwright.chromium.launchPersistentContext(dir, {
          ...workerInfo.project.use.launchOptions,
          headless: true,
          acceptDownloads: true,
          locale: 'en-US',
          viewport: { width: 1360, height: 900 },
          baseURL: workerInfo.project.use.baseURL,
        });
        await init?.(ctx);
        await use(ctx);
        await ctx.close();
        rmSync(dir, { recursive: true, force: true });
      },
      { scope: 'worker' },
    ],
    page: async ({ shared }, use) => {
      const page = await shared.newPage();
      page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
      page.on('crash', () => console.log('[crash] the page crashed (out of memory?)'));
      page.on(
        'console',
        (m) => m.type() === 'error' && console.log(`[console.error] ${m.text().slice(0, 2000)}`),
      );
      await use(page);
      await page.close();
    },
  });
}
