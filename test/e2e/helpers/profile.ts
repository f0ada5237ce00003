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
