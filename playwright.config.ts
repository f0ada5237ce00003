// Playwright: headless Chromium against the production build served by `vite preview`
// (COOP/COEP on, service worker built). Inference is slow on WASM, so timeouts are generous.
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/chromium.mjs';

const CI = !!process.env.CI;
// JJ_SKIP_BUILD=1 serves the dist/ already built (saves ~15 s when iterating on tests).
// JJ_PORT serves on another port (the preview's default is 4173).
const port = Number(process.env.JJ_PORT ?? 4173);
const preview = `npx vite preview --port ${port} --strictPort`;
const server = process.env.JJ_SKIP_BUILD ? preview : `npm run build && ${preview}`;
const baseURL = `http://127.0.0.1:${port}`;
/** Specs that run against the stand-in engine (test/e2e/helpers/stand-in.ts). */
const UI_SPECS = /\/(ui|batch|presets|brush)\.spec\.ts$/;

export default defineConfig({
  testDir: 'test/e2e',
  fullyParallel: false,
  workers: 1,
  retries: CI ? 1 : 0,
  forbidOnly: CI,
  reporter: 'list',
  // Per test: a model load plus one or two inferences on WASM, on a possibly busy machine.
  timeout: 900_000,
  expect: { timeout: 120_000 },
  outputDir: 'test-results',
  use: {
    baseURL,
    acceptDownloads: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
  },
  // Two tiers (issue 12). `ui`: the page's own behaviour (UI, queue, export, language, a11y)
  // against the stand-in engine, seconds per test. `engine`: what needs the real model (pixels,
  // model download and cache, hostile inputs, deploy, offline). `--project=ui` runs the fast one.
  projects: [
    // Seconds per test: a state not reached in 30 s is a failure, not a slow machine.
    { name: 'ui', testMatch: UI_SPECS, timeout: 240_000, expect: { timeout: 30_000 } },
    { name: 'engine', testIgnore: UI_SPECS },
  ],
  webServer: {
    command: server,
    url: baseURL,
    reuseExistingServer: !CI,
    // Per test: a model load plus one or two inferences on WASM, on a possibly busy machine.
    timeout: 900_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
