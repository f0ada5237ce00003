// Drive the engine API (window.jingjie.createEngine) inside the page and check its masks
// against the native reference fixtures.
import { expect, type BrowserContext, type Page } from '@playwright/test';
import { alphaOf, compareMasks, decodePng } from '../../support/png';
import { readFixture, referencePath } from './fixtures';
import { countRecords } from '../../support/idb';

export interface PageResult {
  ok: boolean;
  name?: string;
  message?: string;
  width?: number;
  height?: number;
  mask?: number[];
  backend?: string;
  variant?: string;
  modelFrom?: string;
  fallbackReason?: string;
  type?: string;
}

/** Run one image through an engine kept on window between calls (created with `opts` on first use). */
export async function runInPage(
  page: Page,
  bytes: Buffer,
  opts: { backend?: 'wasm' | 'webgpu'; variant?: string; app?: boolean } = {},
): Promise<PageResult> {
  // app: the engine the app started by itself (its saved or default model), not a second one.
  if (opts.app) await page.waitForFunction(() => !!window.jingjie?.queue);
  return page.evaluate(
    async ({ b64, opts }) => {
      const w = window as unknown as { __eng?: ReturnType<Window['jingjie']['createEngine']> };
      w.__eng ??= opts.app ? window.jingjie.queue!.engine : window.jingjie.createEngine(opts);
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
          fallbackReason: info.fallbackReason,
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

/** The page's result matches the oracle's mask: mean |Δα| ≤ 2 (0–255) and IoU ≥ 0.99 at 128. */
export function expectMatchesReference(r: PageResult, photo: string): void {
  expect(r.ok, r.message).toBe(true);
  const ref = decodePng(readFixture(referencePath(r.variant!, photo)));
  expect([r.width, r.height]).toEqual([ref.width, ref.height]);
  const d = compareMasks(Uint8Array.from(r.mask!), alphaOf(ref, 0));
  console.log(
    `${r.backend}/${r.variant} ${photo}: mean |Δα| ${d.meanAbsDiff.toFixed(3)}, max ${d.maxAbsDiff}, IoU ${d.iou.toFixed(4)}`,
  );
  expect(d.meanAbsDiff).toBeLessThanOrEqual(2);
  expect(d.iou).toBeGreaterThanOrEqual(0.99);
}

/** URLs of model files requested anywhere in the context (page, workers, service worker). */
export function recordModelRequests(context: BrowserContext): string[] {
  const seen: string[] = [];
  context.on('request', (req) => {
    if (/\/models\/[^/?]+\.onnx/.test(req.url())) seen.push(req.url());
  });
  return seen;
}

/**
 * How many model files the page's IndexedDB model store holds (0 while the database does not
 * exist yet). Checks `indexedDB.databases()` first: a versionless `open` here would create the
 * database empty before the app does.
 */
export async function storedModels(page: Page): Promise<number> {
  return (await countRecords(page, 'jingjie-models', ['models'])).models;
}
