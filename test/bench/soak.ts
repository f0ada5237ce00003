// Soak benchmark (issue 12), `npm run bench -- --soak`: a long batch through the app's persistent
// queue in a real profile — photos, hostile files and three 64 MP photos — with one reload and one
// tab close in the middle (a second tab takes over). Reports whether every task ended `done` or
// `failed` with a reason (none stuck, none duplicated, storage consistent), the JS heap and the
// workers' memory after 50 and after all images, and the longest main-thread task.
// SOAK_COUNT (default 500) sizes the batch; SOAK_STAND_IN=<ms> runs the stand-in engine instead of
// the model (a quick check of the harness itself). SOAK_MODEL=<variant id> makes the app run that
// model, as if the person had chosen it in the engine details (the queue does not depend on it;
// `isnet-uint8` is the fastest on WASM).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { CHROMIUM_PATH } from '../chromium.mjs';
import { standInEngineScript } from '../support/stand-in-engine';
import { countRecords } from '../support/idb';

export interface SoakOptions {
  baseURL: string;
  /** Chromium flags (run.ts passes its own, with --expose-gc). */
  args: string[];
  count?: number;
  /** Stand-in "inference" ms instead of the model. */
  standInMs?: number;
  /** A model variant the app runs, as if chosen in the engine details (default: the app's default). */
  model?: string;
  log?: (line: string) => void;
  /** Give up waiting after this long (default 4 h). */
  timeoutMs?: number;
}

export interface MemorySample {
  /** Terminal tasks when the sample was taken. */
  after: number;
  /** Main-thread JS heap after a forced GC (CDP), bytes. */
  heapBytes: number;
  /** Dedicated workers' memory from measureUserAgentSpecificMemory (cross-origin isolated pages), bytes. */
  workerBytes?: number;
}

export interface SoakResult {
  count: number;
  done: number;
  failed: number;
  /** Failed tasks by error name. */
  failedBy: Record<string, number>;
  /** Failed without an error name: must be 0. */
  failedWithoutReason: number;
  /** Queued or processing at the end: must be 0. */
  stuck: number;
  /** Task records beyond one per input, or repeated ids: must be 0. */
  duplicated: number;
  /** Stored records, originals and results match the tasks. */
  storageConsistent: boolean;
  bigPhotos: { name: string; state: string; error?: string; width?: number; height?: number }[];
  memory: MemorySample[];
  longestTaskMs: number;
  wallMs: number;
  /** The model variants the done tasks' results name (or `stand-in`). */
  model: string;
  line: string;
}

interface PageTask {
  id: string;
  name: string;
  state: string;
  error?: { name: string };
  result?: { width: number; height: number; variant: string };
}

type SoakWindow = Window & {
  __soak?: { longest: number };
  jingjie: {
    queue?: import('../../src/features/queue/queue').PersistentQueueApi;
  };
};

/** Records the longest 'longtask' of each page load in the page (read before a reload or close). */
const LONG_TASKS = `(() => {
  const st = (globalThis.__soak = { longest: 0 });
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) st.longest = Math.max(st.longest, e.duration); })
      .observe({ type: 'longtask', buffered: true });
  } catch {}
})();`;

async function openQueue(page: Page): Promise<void> {
  await page.waitForFunction(() => !!(window as unknown as SoakWindow).jingjie?.queue, null, {
    timeout: 120_000,
  });
  await page.evaluate(() => (window as unknown as SoakWindow).jingjie.queue!.ready);
}

const tasksOf = (page: Page) =>
  page.evaluate(() => (window as unknown as SoakWindow).jingjie.queue!.snapshot().tasks as PageTask[]);

const terminal = (t: PageTask) => t.state === 'done' || t.state === 'failed' || t.state === 'cancelled';

async function longest(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as SoakWindow).__soak?.longest ?? 0).catch(() => 0);
}

async function memory(page: Page, after: number): Promise<MemorySample> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  await cdp.detach();
  const workerBytes = await page.evaluate(async () => {
    const p = performance as unknown as {
      measureUserAgentSpecificMemory?: () => Promise<{
        breakdown: { bytes: number; attribution: { scope?: string }[] }[];
      }>;
    };
    if (!self.crossOriginIsolated || !p.measureUserAgentSpecificMemory) return undefined;
    const m = await p.measureUserAgentSpecificMemory();
    return m.breakdown
      .filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope'))
      .reduce((s, b) => s + b.bytes, 0);
  });
  return { after, heapBytes: usedSize, ...(workerBytes !== undefined ? { workerBytes } : {}) };
}

/**
 * Adds the batch from inside the page (500 files through Playwright would be slow): generated
 * photos (JPEG and PNG, several sizes), hostile files every 10th, and three 64 MP photos spread
 * through the batch. Returns the names in order.
 */
async function addBatch(page: Page, count: number): Promise<string[]> {
  return page.evaluate(async (count) => {
    const q = (window as unknown as SoakWindow).jingjie.queue!;
    const hostile = (i: number): File => {
      const k = (i / 10) % 5;
      if (k === 0) return new File([], `hostile-${i}-empty.jpg`, { type: 'image/jpeg' });
      if (k === 1)
        return new File(['shopping list: milk, eggs\n'], `hostile-${i}-text.png`, { type: 'image/png' });
      if (k === 2) {
        const junk = crypto.getRandomValues(new Uint8Array(4096));
        junk.set([137, 80, 78, 71, 13, 10, 26, 10]);
        return new File([junk], `hostile-${i}-corrupt.png`, { type: 'image/png' });
      }
      if (k === 3)
        return new File(
          ['<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'],
          `hostile-${i}.svg`,
          {
            type: 'image/svg+xml',
          },
        );
      return new File(
        [new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70])],
        `hostile-${i}-truncated.jpg`,
        {
          type: 'image/jpeg',
        },
      );
    };
    const photo = async (i: number, w: number, h: number, type: string): Promise<File> => {
      const c = new OffscreenCanvas(w, h);
      const g = c.getContext('2d')!;
      const grad = g.createLinearGradient(0, 0, w, h);
      grad.addColorStop(0, `hsl(${(i * 37) % 360} 30% 85%)`);
      grad.addColorStop(1, `hsl(${(i * 37 + 90) % 360} 30% 60%)`);
      g.fillStyle = grad;
      g.fillRect(0, 0, w, h);
      g.fillStyle = `hsl(${(i * 37 + 180) % 360} 60% 35%)`;
      g.beginPath();
      g.ellipse(w / 2, h * 0.55, w / 5, h / 3, 0, 0, Math.PI * 2);
      g.fill();
      g.beginPath();
      g.arc(w / 2, h * 0.2, Math.min(w, h) / 9, 0, Math.PI * 2);
      g.fill();
      const blob = await c.convertToBlob({ type, quality: 0.85 });
      return new File([blob], `photo-${i}.${type === 'image/png' ? 'png' : 'jpg'}`, { type });
    };
    const big = new Set([Math.floor(count * 0.2), Math.floor(count * 0.5), Math.floor(count * 0.8)]);
    const sizes = [
      [640, 480],
      [1200, 900],
      [2000, 1500],
      [480, 640],
    ];
    const names: string[] = [];
    let chunk: File[] = [];
    for (let i = 0; i < count; i++) {
      let f: File;
      if (big.has(i)) {
        f = await photo(i, 9238, 6928, 'image/jpeg'); // 64.0 MP
        f = new File([f], `big-64mp-${i}.jpg`, { type: 'image/jpeg' });
      } else if (i % 10 === 5) f = hostile(i);
      else {
        const [w, h] = sizes[i % sizes.length];
        f = await photo(i, w, h, i % 3 === 0 ? 'image/png' : 'image/jpeg');
      }
      names.push(f.name);
      chunk.push(f);
      if (chunk.length === 25 || i === count - 1) {
        await q.add(chunk);
        chunk = [];
      }
    }
    return names;
  }, count);
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const count = o.count ?? 500;
  const log = o.log ?? (() => undefined);
  const timeoutMs = o.timeoutMs ?? 4 * 3600_000;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-soak-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: o.args,
    baseURL: o.baseURL,
  });
  const t0 = Date.now();
  try {
    await context.addInitScript('globalThis.__name = (f) => f');
    await context.addInitScript(LONG_TASKS);
    if (o.standInMs !== undefined) await context.addInitScript(standInEngineScript(o.standInMs));
    if (o.model)
      await context.addInitScript((id) => {
        try {
          if (!localStorage.getItem('jingjie.model')) localStorage.setItem('jingjie.model', id);
        } catch {
          // about:blank has no storage.
        }
      }, o.model);
    let page = context.pages()[0] ?? (await context.newPage());
    await page.goto('/');
    await openQueue(page);
    await page.evaluate(() => (window as unknown as SoakWindow).jingjie.queue!.clearAll());
    log(`soak: adding ${count} images`);
    const names = await addBatch(page, count);
    // Drawing and encoding the inputs (three 64 MP JPEGs) is the harness's work, not the app's.
    await page.evaluate(() => void ((window as unknown as SoakWindow).__soak!.longest = 0));
    let longestTask = 0;
    const mem: MemorySample[] = [];
    let reloaded = false;
    let switched = false;
    const deadline = Date.now() + timeoutMs;
    let lastLogged = -1;
    for (;;) {
      const list = await tasksOf(page);
      const ended = list.filter(terminal).length;
      if (ended !== lastLogged && ended % 25 === 0) log(`  ${ended}/${count} ended`);
      lastLogged = ended;
      if (mem.length === 0 && ended >= Math.min(50, count)) mem.push(await memory(page, ended));
      if (!reloaded && ended >= count * 0.3) {
        // A reload in the middle: the task being processed is interrupted and must run again.
        reloaded = true;
        longestTask = Math.max(longestTask, await longest(page));
        log(`  reload at ${ended}`);
        await page.reload();
        await openQueue(page);
      } else if (!switched && ended >= count * 0.6) {
        // A second tab waits (another tab runs the queue); closing the first hands it over.
        switched = true;
        const second = await context.newPage();
        await second.goto('/');
        await openQueue(second);
        longestTask = Math.max(longestTask, await longest(page));
        log(`  tab close at ${ended}`);
        await page.close();
        page = second;
        await page.waitForFunction(
          () => !(window as unknown as SoakWindow).jingjie.queue!.snapshot().stops.includes('otherTab'),
          null,
          { timeout: 120_000 },
        );
      }
      if (list.length >= count && ended === list.length) break;
      if (Date.now() > deadline) {
        log('soak: timed out waiting for the batch');
        break;
      }
      await page.waitForTimeout(2000);
    }
    mem.push(await memory(page, count));
    longestTask = Math.max(longestTask, await longest(page));

    const list = await tasksOf(page);
    const stored = await countRecords(page, 'jingjie-queue', ['tasks', 'originals', 'results']);
    const failed = list.filter((t) => t.state === 'failed');
    const failedBy: Record<string, number> = {};
    for (const t of failed)
      failedBy[t.error?.name ?? '(none)'] = (failedBy[t.error?.name ?? '(none)'] ?? 0) + 1;
    const byName = new Map<string, number>();
    for (const t of list) byName.set(t.name, (byName.get(t.name) ?? 0) + 1);
    const duplicated =
      list.length -
      new Set(list.map((t) => t.id)).size +
      [...byName.values()].reduce((s, c) => s + (c - 1), 0);
    const done = list.filter((t) => t.state === 'done').length;
    const r: SoakResult = {
      count,
      done,
      failed: failed.length,
      failedBy,
      failedWithoutReason: failed.filter((t) => !t.error?.name).length,
      stuck: list.filter((t) => t.state === 'queued' || t.state === 'processing').length,
      duplicated: duplicated + Math.max(0, list.length - names.length),
      storageConsistent:
        stored.tasks === list.length && stored.originals === list.length && stored.results === done,
      bigPhotos: list
        .filter((t) => t.name.startsWith('big-'))
        .map((t) => ({
          name: t.name,
          state: t.state,
          ...(t.error ? { error: t.error.name } : {}),
          ...(t.result ? { width: t.result.width, height: t.result.height } : {}),
        })),
      memory: mem,
      longestTaskMs: Math.round(longestTask),
      wallMs: Date.now() - t0,
      // What the results say ran, not what was asked for.
      model:
        o.standInMs !== undefined
          ? 'stand-in'
          : [...new Set(list.flatMap((t) => (t.result ? [t.result.variant] : [])))].join(', '),
      line: '',
    };
    const mb = (b?: number) => (b === undefined ? 'n/a' : `${(b / 1e6).toFixed(1)} MB`);
    const m50 = mem[0];
    const mAll = mem[mem.length - 1];
    r.line =
      `soak (${r.model}): ${r.count} images, ${r.done} done, ${r.failed} failed (${Object.entries(failedBy)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )}), ${r.failedWithoutReason} without a reason, ${r.stuck} stuck, ${r.duplicated} duplicated, ` +
      `storage ${r.storageConsistent ? 'consistent' : 'INCONSISTENT'}; heap after ${m50?.after} ${mb(m50?.heapBytes)}, ` +
      `after ${mAll.after} ${mb(mAll.heapBytes)}; workers ${mb(m50?.workerBytes)} → ${mb(mAll.workerBytes)}; ` +
      `longest main-thread task ${r.longestTaskMs} ms; ${(r.wallMs / 60_000).toFixed(1)} min`;
    return r;
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
