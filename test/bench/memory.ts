// Memory benchmark (issue 21, phones): the peak resident memory of the browser's processes while
// the app cuts out a 12 MP and a 24 MP photo on WASM, with its default model. Phones kill a tab at
// about 1–1.5 GB; the target is a 12 MP photo at ≤ 1 GB. Line: `memory: 12 MP peak … MB, 24 MP peak … MB`.
import type { Page } from '@playwright/test';
import { memorySampler } from './engine';

export interface MemoryNumbers {
  /** Peak MB of the browser's processes during each photo, minus nothing (what the OS sees). */
  peakMb: Record<string, number>;
  /** Before the photo (model loaded, page idle). */
  idleMb: number;
  notes: Record<string, string[]>;
  line: string;
}

const SIZES: [string, number, number][] = [
  ['12 MP', 4000, 3000],
  ['24 MP', 6000, 4000],
];

export async function runMemoryBench(page: Page, photoPng: Buffer): Promise<MemoryNumbers> {
  // The bench's own Node process is the root of the tree: count only the browser under it.
  const mem = memorySampler(process.pid, { excludeRoot: true });
  const peakMb: Record<string, number> = {};
  const notes: Record<string, string[]> = {};
  let idleMb = 0;
  try {
    for (const [label, w, h] of SIZES) {
      await page.evaluate(
        async ({ b64, w, h }) => {
          const bmp = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))]));
          const c = new OffscreenCanvas(w, h);
          c.getContext('2d')!.drawImage(bmp, 0, 0, w, h);
          (window as unknown as { __memPhoto: Blob }).__memPhoto = await c.convertToBlob({
            type: 'image/jpeg',
            quality: 0.92,
          });
        },
        { b64: photoPng.toString('base64'), w, h },
      );
      await page.waitForTimeout(1000);
      mem.reset();
      idleMb = Math.max(idleMb, Math.round(mem.peakMb()));
      notes[label] = await page.evaluate(async () => {
        const w = window as unknown as {
          __memPhoto: Blob;
          jingjie: { createEngine: Window['jingjie']['createEngine'] };
          __memEngine?: ReturnType<Window['jingjie']['createEngine']>;
        };
        w.__memEngine ??= w.jingjie.createEngine({ backend: 'wasm' });
        const r = await w.__memEngine.removeBackground(w.__memPhoto);
        return [...(r.notes ?? []), `${r.width}×${r.height}`];
      });
      peakMb[label] = Math.round(mem.peakMb());
    }
  } finally {
    mem.stop();
  }
  const line = `memory: 12 MP peak ${peakMb['12 MP']} MB, 24 MP peak ${peakMb['24 MP']} MB`;
  return { peakMb, idleMb, notes, line };
}
