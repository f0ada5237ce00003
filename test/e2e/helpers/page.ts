// Driving the app from tests: hand files to the page as a drop or a paste, read downloads.
import type { Download, Locator, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { mimeOf } from './fixtures';

interface FilePayload {
  name: string;
  type: string;
  base64: string;
}

function payload(path: string, name = basename(path)): FilePayload {
  return { name, type: mimeOf(name), base64: readFileSync(path).toString('base64') };
}

/** Dispatch dragenter/dragover/drop with a DataTransfer holding the files, on `target` (default: the page body). */
export async function dropFiles(page: Page, paths: string[], target?: Locator): Promise<void> {
  const files = paths.map((p) => payload(p));
  const handle = target ? await target.elementHandle() : await page.$('body');
  await page.evaluate(
    ({ el, files }) => {
      const dt = new DataTransfer();
      for (const f of files) {
        const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name, { type: f.type }));
      }
      const node = (el as Element | null) ?? document.body;
      for (const type of ['dragenter', 'dragover', 'drop']) {
        node.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
      }
    },
    { el: handle, files },
  );
}

/** Paste a file as if copied to the clipboard (a screenshot arrives as an unnamed image/png). */
export async function pasteFile(page: Page, path: string, name = 'image.png'): Promise<void> {
  const file = payload(path, name);
  await page.evaluate((f) => {
    const dt = new DataTransfer();
    const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
    dt.items.add(new File([bytes], f.name, { type: f.type }));
    const ev = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
    (document.activeElement ?? document.body).dispatchEvent(ev);
  }, file);
}

export async function downloadBytes(download: Download): Promise<Buffer> {
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Click something that triggers a download and return the file's name and bytes. */
export async function downloadFrom(page: Page, trigger: Locator): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), trigger.click()]);
  return { name: download.suggestedFilename(), bytes: await downloadBytes(download) };
}

/**
 * Until the page's engine has its model in IndexedDB (the `jj:model-stored` mark): the model is
 * stored after the first result, so going offline before that would find no model.
 */
export async function waitForModelStored(page: Page): Promise<void> {
  await page.waitForFunction(() => performance.getEntriesByName('jj:model-stored').length > 0, undefined, {
    timeout: 120_000,
  });
}

/** Until the page's persistent queue exists and has read its IndexedDB. */
export async function queueReady(page: Page): Promise<void> {
  type Win = Window & { jingjie: { queue?: { ready: Promise<void> } } };
  await page.waitForFunction(() => !!(window as unknown as Win).jingjie?.queue);
  await page.evaluate(() => (window as unknown as Win).jingjie.queue!.ready);
}
