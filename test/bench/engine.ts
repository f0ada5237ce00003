// Engine benchmark: model load (network, IndexedDB), per-stage timings for a 1024² and a 12 MP
// photo, peak memory, and native onnxruntime-node on the same graph as the floor.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Browser, Page } from '@playwright/test';
import * as ortNode from 'onnxruntime-node';
import type { StageTimings } from '../../src/shared/types';

export interface Manifest {
  defaults: Record<string, string>;
  variants: {
    id: string;
    name: string;
    file: string;
    bytes: number;
    precision: string;
    backends: string[];
  }[];
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Resident memory of every process of the browser, summed (MB), sampled until stopped. */
export function memorySampler(browserPid: number) {
  let peak = 0;
  const sample = () => {
    try {
      const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,rss='], { encoding: 'utf8' });
      const rows = out
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/).map(Number));
      const tree = new Set([browserPid]);
      let grew = true;
      while (grew) {
        grew = false;
        for (const [pid, ppid] of rows) {
          if (tree.has(ppid) && !tree.has(pid)) {
            tree.add(pid);
            grew = true;
          }
        }
      }
      const rss = rows.filter(([pid]) => tree.has(pid)).reduce((a, [, , r]) => a + r, 0) / 1024;
      peak = Math.max(peak, rss);
    } catch {
      // ps may be missing; memory is then reported as 0.
    }
  };
  const timer = setInterval(sample, 250);
  return {
    reset: () => void ((peak = 0), sample()),
    peakMb: () => (sample(), peak),
    stop: () => clearInterval(timer),
  };
}

/** Make test photos in the page: a 1024² and a 4000×3000 JPEG from a real photo. */
export async function makePhotos(page: Page, photoPng: Buffer) {
  await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bmp = await createImageBitmap(new Blob([bytes]));
    const make = async (w: number, h: number) => {
      const c = new OffscreenCanvas(w, h);
      c.getContext('2d')!.drawImage(bmp, 0, 0, w, h);
      return c.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
    };
    (window as unknown as { __photos: Record<string, Blob> }).__photos = {
      '1024²': await make(1024, 1024),
      '12 MP': await make(4000, 3000),
    };
  }, photoPng.toString('base64'));
}

export interface LoadNumbers {
  variant: string;
  networkMs: number;
  indexeddbMs: number;
}

/**
 * Load a variant in fresh engines: once bypassing IndexedDB (the network path: download, sha256,
 * session), then from IndexedDB (stored by a normal load first if it was not there yet).
 */
export async function measureLoad(
  page: Page,
  variant: string,
): Promise<LoadNumbers & Record<string, unknown>> {
  return page.evaluate(async (variant) => {
    const { createEngine } = window.jingjie;
    const load = async (noCache: boolean) => {
      const e = createEngine({ backend: 'wasm', variant, noCache });
      const i = await e.load();
      await e.dispose();
      return i;
    };
    const net = await load(true);
    const store = await load(false);
    // Warm loads: three from IndexedDB, the median reported (one sample swung 1–3 s with GC and
    // the previous load's write still settling).
    const warms = [];
    if (store.modelFrom === 'indexeddb') warms.push(store);
    while (warms.length < 3) warms.push(await load(false));
    const sorted = [...warms].sort((a, b) => a.loadMs - b.loadMs);
    const warm = sorted[1];
    return {
      variant,
      networkMs: net.loadMs,
      firstFrom: net.modelFrom,
      indexeddbMs: warm.loadMs,
      indexeddbAllMs: warms.map((w) => Math.round(w.loadMs)),
      secondFrom: warm.modelFrom,
      storageWarning: warm.storageWarning,
      threads: warm.threads,
      crossOriginIsolated: warm.crossOriginIsolated,
    };
  }, variant);
}

/** Medians of the engine's own per-stage timings, plus what the bench adds. */
export interface StageRow extends StageTimings {
  photo: string;
  backend: string;
  variant: string;
  threads: number;
  runs: number;
  nonInference: number;
  inferenceAll: number[];
}

/** Median per-stage timings over `runs` images after one warm-up run. */
export async function measureStages(
  page: Page,
  opts: { backend: 'wasm' | 'webgpu'; variant?: string; runs: number; photos: string[] },
): Promise<StageRow[]> {
  const raw = await page.evaluate(async ({ backend, variant, runs, photos }) => {
    const eng = window.jingjie.createEngine({ backend, variant });
    const info = await eng.load();
    const all = (window as unknown as { __photos: Record<string, Blob> }).__photos;
    const out: Record<string, { timings: Record<string, number>[]; backend: string; variant: string }> = {};
    for (const name of photos) {
      await eng.removeBackground(all[name]); // warm-up: first run allocates the arena
      const timings: Record<string, number>[] = [];
      let last = { backend: '', variant: '' };
      for (let i = 0; i < runs; i++) {
        const r = await eng.removeBackground(all[name]);
        timings.push(r.timings as unknown as Record<string, number>);
        last = r;
      }
      out[name] = { timings, backend: last.backend, variant: last.variant };
    }
    await eng.dispose();
    return { out, threads: info.threads };
  }, opts);
  return Object.entries(raw.out).map(([photo, { timings, backend, variant }]) => {
    const k = (key: string) => median(timings.map((t) => t[key]));
    const nonInf = median(timings.map((t) => t.decode + t.preprocess + t.postprocess + t.encode));
    return {
      photo,
      backend,
      variant,
      threads: raw.threads,
      runs: timings.length,
      decode: k('decode'),
      preprocess: k('preprocess'),
      inference: k('inference'),
      postprocess: k('postprocess'),
      refine: k('refine'),
      encode: k('encode'),
      total: k('total'),
      nonInference: nonInf,
      inferenceAll: timings.map((t) => Math.round(t.inference)),
    };
  });
}

/** onnxruntime-node on the same graph file: the floor on this machine. */
export async function measureNative(modelPath: string, threads: number, runs: number) {
  const session = await ortNode.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads,
    graphOptimizationLevel: 'all',
  });
  const input = new Float32Array(3 * 1024 * 1024);
  for (let i = 0; i < input.length; i++) input[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  const feeds = { [session.inputNames[0]]: new ortNode.Tensor('float32', input, [1, 3, 1024, 1024]) };
  await session.run(feeds, ['output']);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await session.run(feeds, ['output']);
    times.push(performance.now() - t0);
  }
  await session.release();
  return { median: median(times), all: times.map(Math.round) };
}

export function readManifest(root: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(root, 'public/models/models.json'), 'utf8')) as Manifest;
}

export type { Browser };
