// Memory benchmark (issue 21, phones): the peak resident memory of the browser's processes while
// the app cuts out a 12 MP and a 24 MP photo on WASM, with its default model. Phones kill a tab at
// about 1–1.5 GB; the target is a 12 MP photo at ≤ 1 GB. Line: `memory: 12 MP peak … MB, 24 MP peak … MB`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { resizePlane } from '../../workers/pipeline/resize';

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

/**
 * JavaScript and WebAssembly memory per context (MB), from `performance.measureUserAgentSpecificMemory()`
 * (cross-origin isolated pages; exact with `--enable-blink-features=ForceEagerMeasureMemory`):
 * shows which part is the inference worker's (onnxruntime's wasm heap lives there, and never shrinks).
 */
async function contextMemory(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const perf = performance as unknown as {
      measureUserAgentSpecificMemory?: () => Promise<{
        breakdown: { bytes: number; attribution: { scope: string; url?: string }[] }[];
      }>;
    };
    if (!perf.measureUserAgentSpecificMemory) return {};
    const m = await perf.measureUserAgentSpecificMemory();
    const out: Record<string, number> = {};
    for (const b of m.breakdown)
      for (const a of b.attribution) {
        const name =
          a.scope === 'Window'
            ? 'page'
            : /inference\.worker/.test(a.url ?? '')
              ? 'inference worker'
              : a.scope;
        out[name] = Math.round((out[name] ?? 0) + b.bytes / b.attribution.length / 2 ** 20);
      }
    return out;
  });
}

/** A PNG scaled to w×h (the pipeline's own bilinear resize, per channel) as a quality-92 JPEG. */
function scaledJpeg(png: Buffer, w: number, h: number): Buffer {
  const src = PNG.sync.read(png);
  const n = src.width * src.height;
  const out = Buffer.alloc(w * h * 4);
  const plane = new Float32Array(n);
  const scaled = new Uint8ClampedArray(w * h);
  for (let c = 0; c < 4; c++) {
    for (let i = 0; i < n; i++) plane[i] = src.data[i * 4 + c];
    resizePlane(plane, src.width, src.height, w, h, scaled);
    for (let i = 0; i < w * h; i++) out[i * 4 + c] = scaled[i];
  }
  return jpeg.encode({ data: out, width: w, height: h }, 92).data;
}

export interface MemoryNumbers {
  /** Peak MB (Pss) of the browser's processes during each photo. */
  peakMb: Record<string, number>;
  /** Before the first photo (model loaded, page idle). */
  idleMb: number;
  byType: Record<string, Record<string, number>>;
  /** JS + wasm MB per context (page, inference worker…): idle, and one second after each photo. */
  contexts: Record<string, Record<string, number>>;
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
  const contexts: Record<string, Record<string, number>> = {};
  let idleMb = 0;
  try {
    for (const [label, w, h] of SIZES) {
      // The photo is made here, in Node, and handed over as file bytes (a person's JPEG): made in
      // the page, its 4000×3000 canvas stayed in the renderer (12 MP peak 1607 → 1518 MB without it).
      const jpegBytes = scaledJpeg(photoPng, w, h);
      await page.evaluate((b64) => {
        (window as unknown as { __memPhoto: Blob }).__memPhoto = new Blob(
          [Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))],
          { type: 'image/jpeg' },
        );
      }, jpegBytes.toString('base64'));
      await page.waitForTimeout(1000);
      mem.reset();
      if (!idleMb) idleMb = Math.round(mem.peakMb());
      byType[`idle before ${label}`] = mem.peakByType();
      contexts[`idle before ${label}`] = await contextMemory(page);
      notes[label] = await page.evaluate(async () => {
        // The app's own engine (its default model, loaded), as a person's photo meets it.
        type Eng = ReturnType<Window['jingjie']['createEngine']>;
        const w = window as unknown as { __memPhoto: Blob; jingjie: { queue: { engine: Eng } } };
        const r = await w.jingjie.queue.engine.removeBackground(w.__memPhoto);
        return [...(r.notes ?? []), `${r.width}×${r.height}`, `${Math.round(r.timings.total)} ms`];
      });
      peakMb[label] = Math.round(mem.peakMb());
      byType[label] = mem.peakByType();
      await page.waitForTimeout(1000);
      contexts[`after ${label}`] = await contextMemory(page);
    }
  } finally {
    mem.stop();
  }
  const line = `memory: 12 MP peak ${peakMb['12 MP']} MB, 24 MP peak ${peakMb['24 MP']} MB`;
  return { peakMb, idleMb, byType, contexts, notes, line };
}
