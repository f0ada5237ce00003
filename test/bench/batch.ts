// Batch benchmark (issue 5): runs `count` small generated images through the page's persistent
// queue and reports throughput, the longest main-thread task and the JS heap after 10 and after
// `count` images. Call it with a page of the production build already open; launch Chromium with
// `--js-flags=--expose-gc` so `performance.memory` can be read after a forced GC (the CDP heap
// numbers are taken either way).
import type { Page } from '@playwright/test';

export interface BatchBenchOptions {
  /** Images in the batch (default 100). */
  count?: number;
  /** Size of the generated images (default 96×72; inference cost does not depend on it). */
  width?: number;
  height?: number;
  /** Give up after this long (default 60 min). */
  timeoutMs?: number;
  /** Called about once a second with the number of images finished. */
  onProgress?: (done: number, count: number) => void;
}

export interface HeapSample {
  /** Images finished when the sample was taken. */
  after: number;
  /** `performance.memory.usedJSHeapSize` after `gc()`; undefined without --expose-gc or performance.memory. */
  usedJSHeapSize?: number;
  /** CDP Runtime.getHeapUsage().usedSize after HeapProfiler.collectGarbage (main thread). */
  cdpUsedSize: number;
}

export interface BatchBenchResult {
  count: number;
  done: number;
  failed: number;
  backend?: string;
  variant?: string;
  /** From adding the batch to the last image finished (includes the model load if not loaded yet). */
  wallMs: number;
  /** Images per minute between the first and the last finished image (steady state). */
  perMinute: number;
  /** Longest 'longtask' entry while the batch ran, ms (0 when none over 50 ms). */
  longestTaskMs: number;
  /** All long tasks over 100 ms. */
  longTasksOver100: number;
  longTasks: number;
  /**
   * The longest animation frames ('long-animation-frame' entries, Chromium 123+), longest first,
   * with the scripts that ran in them: what a long task was, when one shows up.
   */
  worstFrames: LongFrame[];
  heapAfter10: HeapSample;
  heapAfterAll: HeapSample;
  /** heapAfterAll / heapAfter10 − 1 on the CDP numbers (target: ≤ 0.10). */
  heapGrowth: number;
  /** Whether `gc()` was available for the performance.memory samples. */
  gcForced: boolean;
}

export interface LongFrame {
  durationMs: number;
  blockingMs: number;
  /** Style, layout and paint after the scripts (renderStart to the end of the frame). */
  renderMs: number;
  scripts: { invoker: string; source: string; durationMs: number; forcedLayoutMs: number }[];
}

type BenchWindow = Window & {
  gc?: () => void;
  __name?: unknown;
  __batchBench?: {
    long: { start: number; duration: number }[];
    frames: LongFrame[];
    observer: PerformanceObserver;
    frameObserver?: PerformanceObserver;
  };
  jingjie: {
    queue?: import('../../src/features/queue/queue').PersistentQueueApi;
    createQueue?: (engine: unknown) => import('../../src/features/queue/queue').PersistentQueueApi;
    createEngine: (o?: unknown) => unknown;
  };
};

export async function runBatchBench(page: Page, opts: BatchBenchOptions = {}): Promise<BatchBenchResult> {
  const count = opts.count ?? 100;
  const width = opts.width ?? 96;
  const height = opts.height ?? 72;
  const timeoutMs = opts.timeoutMs ?? 60 * 60_000;
  // tsx/esbuild keepNames may wrap page-side functions in __name(); make it harmless.
  await page.evaluate('globalThis.__name ??= (f) => f');
  await page.waitForFunction(() => !!(window as unknown as BenchWindow).jingjie?.createQueue, null, {
    timeout: 60_000,
  });
  const cdp = await page.context().newCDPSession(page);

  const heap = async (after: number): Promise<HeapSample> => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    const usedJSHeapSize = await page.evaluate(() => {
      const w = window as unknown as BenchWindow;
      w.gc?.();
      const m = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
      return w.gc && m ? m.usedJSHeapSize : undefined;
    });
    return { after, usedJSHeapSize, cdpUsedSize: usedSize };
  };

  const started = await page.evaluate(
    async ({ count, width, height }) => {
      const w = window as unknown as BenchWindow;
      const q = w.jingjie.queue ?? w.jingjie.createQueue(w.jingjie.createEngine());
      await q.ready;
      await q.clearAll();
      q.resume();
      const files: File[] = [];
      for (let i = 0; i < count; i++) {
        const c = new OffscreenCanvas(width, height);
        const g = c.getContext('2d')!;
        g.fillStyle = `hsl(${(i * 37) % 360} 35% 80%)`;
        g.fillRect(0, 0, width, height);
        g.fillStyle = `hsl(${(i * 37 + 180) % 360} 70% 35%)`;
        g.beginPath();
        g.ellipse(width / 2, height / 2, width / 4 + (i % 5), height / 3, 0, 0, Math.PI * 2);
        g.fill();
        files.push(
          new File([await c.convertToBlob({ type: 'image/png' })], `bench-${i}.png`, { type: 'image/png' }),
        );
      }
      const long: { start: number; duration: number }[] = [];
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) long.push({ start: e.startTime, duration: e.duration });
      });
      observer.observe({ type: 'longtask' });
      const frames: LongFrame[] = [];
      type Script = {
        invoker?: string;
        sourceURL?: string;
        sourceFunctionName?: string;
        sourceCharPosition?: number;
        duration: number;
        forcedStyleAndLayoutDuration?: number;
      };
      type Frame = PerformanceEntry & { blockingDuration?: number; renderStart?: number; scripts?: Script[] };
      let frameObserver: PerformanceObserver | undefined;
      if (PerformanceObserver.supportedEntryTypes?.includes('long-animation-frame')) {
        frameObserver = new PerformanceObserver((list) => {
          for (const e of list.getEntries() as Frame[]) {
            frames.push({
              durationMs: e.duration,
              blockingMs: e.blockingDuration ?? 0,
              renderMs: e.renderStart ? e.startTime + e.duration - e.renderStart : 0,
              scripts: (e.scripts ?? []).map((x) => ({
                invoker: x.invoker ?? '',
                source: `${x.sourceFunctionName || '(anonymous)'} ${(x.sourceURL ?? '').split('/').pop()}:${x.sourceCharPosition ?? -1}`,
                durationMs: x.duration,
                forcedLayoutMs: x.forcedStyleAndLayoutDuration ?? 0,
              })),
            });
          }
        });
        frameObserver.observe({ type: 'long-animation-frame' });
      }
      w.__batchBench = { long, frames, observer, frameObserver };
      const t0 = performance.now();
      await q.add(files);
      return { t0 };
    },
    { count, width, height },
  );

  const state = () =>
    page.evaluate(() => {
      const s = (window as unknown as BenchWindow).jingjie.queue!.snapshot();
      return {
        done: s.stats.done,
        failed: s.stats.failed,
        finished: s.stats.done + s.stats.failed + s.stats.cancelled,
      };
    });

  const deadline = Date.now() + timeoutMs;
  let heapAfter10: HeapSample | undefined;
  for (;;) {
    const s = await state();
    opts.onProgress?.(s.finished, count);
    if (!heapAfter10 && s.finished >= Math.min(10, count)) heapAfter10 = await heap(s.finished);
    if (s.finished >= count) break;
    if (Date.now() > deadline)
      throw new Error(`batch bench: only ${s.finished} of ${count} images finished in ${timeoutMs} ms`);
    await page.waitForTimeout(1000);
  }

  const summary = await page.evaluate((t0) => {
    const w = window as unknown as BenchWindow;
    const b = w.__batchBench!;
    b.observer.disconnect();
    b.frameObserver?.disconnect();
    const tasks = w.jingjie.queue!.snapshot().tasks;
    const ends = tasks
      .map((t) => t.finishedAt ?? 0)
      .filter(Boolean)
      .sort((a, b) => a - b);
    const durations = b.long.map((l) => l.duration);
    const r = tasks.find((t) => t.result)?.result;
    return {
      done: tasks.filter((t) => t.state === 'done').length,
      failed: tasks.filter((t) => t.state === 'failed').length,
      wallMs: Date.now() - (performance.timeOrigin + t0),
      perMinute: ends.length > 1 ? ((ends.length - 1) / (ends[ends.length - 1] - ends[0])) * 60_000 : 0,
      longestTaskMs: durations.length ? Math.max(...durations) : 0,
      longTasks: durations.length,
      longTasksOver100: durations.filter((d) => d > 100).length,
      worstFrames: [...b.frames].sort((x, y) => y.durationMs - x.durationMs).slice(0, 5),
      backend: r?.backend,
      variant: r?.variant,
    };
  }, started.t0);
  const heapAfterAll = await heap(count);
  const h10 = heapAfter10 ?? heapAfterAll;
  await cdp.detach();
  return {
    count,
    ...summary,
    heapAfter10: h10,
    heapAfterAll,
    heapGrowth: heapAfterAll.cdpUsedSize / h10.cdpUsedSize - 1,
    gcForced: heapAfterAll.usedJSHeapSize !== undefined,
  };
}
