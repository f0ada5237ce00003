// Memory benchmark (issue 21, phones): the peak resident memory of the browser's processes while
// the app cuts out a 12 MP and a 24 MP photo on WASM, with its default model. Phones kill a tab at
// about 1–1.5 GB; the target is a 12 MP photo at ≤ 1 GB. Line: `memory: 12 MP peak … MB, 24 MP peak … MB`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';

/**
 * Proportional set size (Pss, /proc/<pid>/smaps_rollup) of every process under ours, summed (MB),
 * sampled every 200 ms: what the browser's processes cost together, shared pages counted once
 * (summing RSS counted the shared libraries once per process: ~2.3 GB for an idle page).
 */
function pssSampler() {
  let peak = 0;
  let peakTypes: Record<string, number> = {};
  const sample = () => {
    const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number));
    const tree = new Set([process.pid]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [pid, ppid] of rows) if (tree.has(ppid) && !tree.has(pid)) grew = !!tree.add(pid);
    }
    tree.delete(process.pid);
    let kb = 0;
    const byType: Record<string, number> = {};
    for (const pid of tree) {
      try {
        const pss = Number(
          /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0,
        );
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        const type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? (cmd.includes('chrom') ? 'browser' : 'other');
        byType[type] = Math.round((byType[type] ?? 0) + pss / 1024);
        kb += pss;
      } catch {
        // The process ended between ps and the read.
      }
    }
    if (kb / 1024 > peak) peakTypes = byType;
    peak = Math.max(peak, kb / 1024);
  };
  const timer = setInterval(sample, 200);
  return {
    reset: () => void ((peak = 0), sample()),
    peakMb: () => (sample(), peak),
    /** The peak's MB per Chromium process type (browser, renderer, gpu-process, utility…). */
    peakByType: () => peakTypes,
    stop: () => clearInterval(timer),
  };
}

export interface MemoryNumbers {
  /** Peak MB (Pss) of the browser's processes during each photo. */
  peakMb: Record<string, number>;
  /** Before the first photo (model loaded, page idle). */
  idleMb: number;
  byType: Record<string, Record<string, number>>;
  notes: Record<string, string[]>;
  line: string;
}

const SIZES: [string, number, number][] = [
  ['12 MP', 4000, 3000],
  ['24 MP', 6000, 4000],
];

export async function runMemoryBench(page: Page, photoPng: Buffer): Promise<MemoryNumbers> {
  const mem = pssSampler();
  const peakMb: Record<string, number> = {};
  const byType: Record<string, Record<string, number>> = {};
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
      if (!idleMb) idleMb = Math.round(mem.peakMb());
      byType[`idle before ${label}`] = mem.peakByType();
      notes[label] = await page.evaluate(async () => {
        // The app's own engine (its default model, loaded), as a person's photo meets it.
        type Eng = ReturnType<Window['jingjie']['createEngine']>;
        const w = window as unknown as { __memPhoto: Blob; jingjie: { queue: { engine: Eng } } };
        const r = await w.jingjie.queue.engine.removeBackground(w.__memPhoto);
        return [...(r.notes ?? []), `${r.width}×${r.height}`, `${Math.round(r.timings.total)} ms`];
      });
      peakMb[label] = Math.round(mem.peakMb());
      byType[label] = mem.peakByType();
    }
  } finally {
    mem.stop();
  }
  const line = `memory: 12 MP peak ${peakMb['12 MP']} MB, 24 MP peak ${peakMb['24 MP']} MB`;
  return { peakMb, idleMb, byType, notes, line };
}
