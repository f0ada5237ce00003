// End-to-end test of the persistent batch queue (issue 5) against the production build: a batch
// of real photos and small generated images, a corrupt file, cancel and retry, the ZIP export,
// a reload in the middle of a batch, and storage exhaustion. Driven through `window.jingjie.queue`
// (src/features/queue/expose.ts), so it does not depend on the UI's markup. It tests the queue,
// not the model: it runs in the fast tier, against the stand-in engine (test/support/stand-in-engine.ts).
import { test, expect, type Page } from '@playwright/test';
import { standInEngineScript } from '../support/stand-in-engine';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { pngHeader, type PngHeader } from '../../workers/pipeline/sniff';
import { countRecords } from '../support/idb';

test.describe.configure({ mode: 'serial' });

/** Each stand-in "inference" takes this long: long enough to cancel or reload in the middle. */
const STAND_IN = standInEngineScript(400);

// The timeouts fit the stand-in engine; JJ_TIMEOUT_SCALE=N stretches them on a busy machine.
const SCALE = Number(process.env.JJ_TIMEOUT_SCALE ?? 1) || 1;
const minutes = (n: number) => n * 60_000 * SCALE;

const photosDir = new URL('../fixtures/photos/', import.meta.url);
const photos = readdirSync(photosDir)
  .filter((f) => f.endsWith('.png'))
  .sort()
  .map((name) => {
    const bytes = readFileSync(new URL(name, photosDir));
    return { name, b64: bytes.toString('base64'), ...pngInfo(bytes) };
  });

/** Width, height and colour type from a PNG's IHDR chunk. */
function pngInfo(b: Uint8Array): PngHeader {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  const ihdr = sig.every((x, i) => b[i] === x) ? pngHeader(b) : undefined;
  if (!ihdr) throw new Error('not a PNG');
  return ihdr;
}

interface PageTask {
  id: string;
  name: string;
  seq: number;
  state: string;
  error?: { name: string; message: string };
  result?: { width: number; height: number; bytes: number };
  finishedAt?: number;
}

type Win = Window & {
  jingjie: {
    queue?: import('../../src/features/queue/queue').PersistentQueueApi;
    createQueue?: (e: unknown) => import('../../src/features/queue/queue').PersistentQueueApi;
    createEngine: (o?: unknown) => unknown;
  };
  showSaveFilePicker?: unknown;
};

/** The page's queue, once its stored tasks are loaded. */
async function openQueue(page: Page): Promise<void> {
  await page.waitForFunction(() => !!(window as unknown as Win).jingjie?.createQueue, null, {
    timeout: 60_000,
  });
  await page.evaluate(async () => {
    const j = (window as unknown as Win).jingjie;
    const q = j.queue ?? j.createQueue(j.createEngine());
    await q.ready;
  });
}

async function tasks(page: Page): Promise<PageTask[]> {
  return page.evaluate(() => (window as unknown as Win).jingjie.queue!.snapshot().tasks as PageTask[]);
}

/**
 * Adds the given inputs to the queue: photos from test/fixtures, `gen` images drawn in the page
 * (each a different size so results can be matched to inputs), `corrupt` files with a PNG
 * signature and garbage after it.
 */
async function addInputs(
  page: Page,
  inputs: (
    | { kind: 'photo'; name: string; b64: string }
    | { kind: 'gen'; name: string; w: number; h: number; type?: string }
    | { kind: 'corrupt'; name: string }
  )[],
): Promise<PageTask[]> {
  return page.evaluate(async (inputs) => {
    const files: File[] = [];
    for (const [i, x] of inputs.entries()) {
      if (x.kind === 'photo') {
        files.push(
          new File([Uint8Array.from(atob(x.b64), (c) => c.charCodeAt(0))], x.name, { type: 'image/png' }),
        );
      } else if (x.kind === 'gen') {
        const c = new OffscreenCanvas(x.w, x.h);
        const g = c.getContext('2d')!;
        g.fillStyle = `hsl(${(i * 47) % 360} 40% 80%)`;
        g.fillRect(0, 0, x.w, x.h);
        g.fillStyle = `hsl(${(i * 47 + 180) % 360} 70% 35%)`;
        g.beginPath();
        g.ellipse(x.w / 2, x.h / 2, x.w / 4, x.h / 3, 0, 0, Math.PI * 2);
        g.fill();
        const type = x.type ?? 'image/png';
        files.push(new File([await c.convertToBlob({ type })], x.name, { type }));
      } else {
        const junk = new Uint8Array(4096);
        crypto.getRandomValues(junk);
        junk.set([137, 80, 78, 71, 13, 10, 26, 10]);
        files.push(new File([junk], x.name, { type: 'image/png' }));
      }
    }
    return await (window as unknown as Win).jingjie.queue!.add(files);
  }, inputs);
}

const terminal = (t: PageTask) => t.state === 'done' || t.state === 'failed' || t.state === 'cancelled';

async function waitAllTerminal(page: Page, ids: string[], timeout: number): Promise<PageTask[]> {
  await expect
    .poll(async () => (await tasks(page)).filter((t) => ids.includes(t.id) && terminal(t)).length, {
      timeout,
      intervals: [1000, 2000, 3000],
    })
    .toBe(ids.length);
  return (await tasks(page)).filter((t) => ids.includes(t.id));
}

/** The name rule, restated independently of src/features/queue/names.ts. */
function expectedNames(all: PageTask[]): Map<string, string> {
  const base = (n: string) => n.replace(/\.[^.]+$/, '');
  const count = new Map<string, number>();
  for (const t of all)
    count.set(base(t.name).toLowerCase(), (count.get(base(t.name).toLowerCase()) ?? 0) + 1);
  return new Map(
    all.map((t) => {
      const b = base(t.name);
      const shared = (count.get(b.toLowerCase()) ?? 0) > 1;
      return [t.id, shared ? `${b}-nobg-${t.id.replace(/-/g, '').slice(0, 4)}.png` : `${b}-nobg.png`];
    }),
  );
}

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.addInitScript(STAND_IN);
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.goto('/');
  await openQueue(page);
  await page.evaluate(() => (window as unknown as Win).jingjie.queue!.clearAll());
});

test.afterAll(async () => {
  await page?.close();
});

const gen = (i: number) => ({
  kind: 'gen' as const,
  name: `gen-${String(i).padStart(2, '0')}.png`,
  w: 48 + i * 4,
  h: 32 + i * 3,
});

test('a batch of 22 files: every image done in order, the corrupt one failed alone, cancel and retry, one ZIP', async () => {
  test.setTimeout(minutes(4));
  const inputs = [
    ...photos.map((p) => ({ kind: 'photo' as const, name: p.name, b64: p.b64 })),
    ...Array.from({ length: 15 }, (_, i) => gen(i)),
    { kind: 'gen' as const, name: 'dup.png', w: 120, h: 90 },
    { kind: 'gen' as const, name: 'dup.jpg', w: 100, h: 80, type: 'image/jpeg' },
    { kind: 'corrupt' as const, name: 'broken.png' },
    gen(15),
  ];
  const dims = new Map<string, { w: number; h: number }>();
  for (const p of photos) dims.set(p.name, { w: p.width, h: p.height });
  for (const x of inputs) if (x.kind === 'gen') dims.set(x.name, { w: x.w, h: x.h });

  const added = await addInputs(page, inputs);
  expect(added).toHaveLength(inputs.length);
  expect(new Set(added.map((t) => t.id)).size).toBe(inputs.length);
  expect(added.map((t) => t.name)).toEqual(inputs.map((x) => x.name));
  const ids = added.map((t) => t.id);
  const byName = new Map(added.map((t) => [t.name, t]));

  // Cancel a queued task: it is skipped. Then retry it: it runs again.
  const last = byName.get('gen-15.png')!;
  await page.evaluate((id) => (window as unknown as Win).jingjie.queue!.cancel(id), last.id);
  expect((await tasks(page)).find((t) => t.id === last.id)!.state).toBe('cancelled');

  // Cancel the running task: aborted through the engine's signal, then retried.
  // Found and cancelled in one step in the page, so it cannot finish in between.
  let running: PageTask | undefined;
  await expect
    .poll(
      async () =>
        (running = await page.evaluate(async () => {
          const q = (window as unknown as Win).jingjie.queue!;
          const t = q.snapshot().tasks.find((x) => x.state === 'processing');
          if (!t) return undefined;
          await q.cancel(t.id);
          // The stand-in engine is fast: the job may have finished before the cancel reached it.
          // Only a task the cancel really stopped counts; otherwise try the next one.
          return q.snapshot().tasks.find((x) => x.id === t.id)?.state === 'cancelled' ? t : undefined;
        })),
      { timeout: minutes(3) },
    )
    .toBeTruthy();
  if (!running) throw new Error('no running task');
  const runningId = running.id;
  expect((await tasks(page)).find((t) => t.id === runningId)!.state).toBe('cancelled');
  await page.evaluate(
    async (ids) => {
      const q = (window as unknown as Win).jingjie.queue!;
      for (const id of ids) await q.retry(id);
    },
    [runningId, last.id],
  );

  const finished = await waitAllTerminal(page, ids, minutes(3));
  const failed = finished.filter((t) => t.state !== 'done');
  expect(failed.map((t) => t.name)).toEqual(['broken.png']);
  expect(['DecodeFailed', 'NotAnImage', 'UnsupportedFormat']).toContain(failed[0].error?.name);
  expect(failed[0].error?.message.length).toBeGreaterThan(0);
  const done = finished.filter((t) => t.state === 'done');
  expect(done).toHaveLength(inputs.length - 1);
  // Results at the inputs' sizes (these inputs are far below the pixel limit).
  for (const t of done)
    expect({ name: t.name, w: t.result!.width, h: t.result!.height }).toEqual({
      name: t.name,
      ...dims.get(t.name)!,
    });
  // Submission order: finishing times rise with seq, except the two retried ones.
  const inOrder = done.filter((t) => t.id !== runningId && t.id !== last.id).sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < inOrder.length; i++)
    expect(inOrder[i].finishedAt!).toBeGreaterThanOrEqual(inOrder[i - 1].finishedAt!);
  const stats = await page.evaluate(() => (window as unknown as Win).jingjie.queue!.snapshot().stats);
  expect(stats).toMatchObject({
    total: inputs.length,
    done: inputs.length - 1,
    failed: 1,
    queued: 0,
    etaMs: 0,
  });

  // The queue's names, and the rule restated here.
  const names = expectedNames(done);
  const queueNames = await page.evaluate(
    (ids) => {
      const q = (window as unknown as Win).jingjie.queue!;
      const all = q.snapshot().tasks;
      return ids.map((id) => q.resultName(all.find((t) => t.id === id)!));
    },
    done.map((t) => t.id),
  );
  expect(queueNames).toEqual(done.map((t) => names.get(t.id)));
  expect(queueNames.filter((n) => n.startsWith('dup-nobg-'))).toHaveLength(2);

  // exportZip through a save-file picker: the archive streams into the writable.
  const pickerSha = await page.evaluate(async () => {
    const w = window as unknown as Win;
    const chunks: Uint8Array[] = [];
    w.showSaveFilePicker = async () => ({
      createWritable: async () =>
        new WritableStream<Uint8Array>({ write: (c) => void chunks.push(c.slice()) }),
    });
    try {
      await w.jingjie.queue!.exportZip();
    } finally {
      delete w.showSaveFilePicker;
    }
    const all = new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
    const h = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
    return {
      sha: Array.from(h, (x) => x.toString(16).padStart(2, '0')).join(''),
      chunks: chunks.length,
      target: w.jingjie.queue!.lastExportTarget(),
    };
  });
  expect(pickerSha.target).toBe('picker');

  // exportZip without the File System Access API: a Blob download.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.evaluate(async () => {
      const w = window as unknown as Win;
      w.showSaveFilePicker = undefined;
      try {
        await w.jingjie.queue!.exportZip();
      } finally {
        delete w.showSaveFilePicker;
      }
    }),
  ]);
  expect(download.suggestedFilename()).toMatch(/^jingjie-nobg-\d{8}-\d{4}\.zip$/);
  const zipBytes = readFileSync(await download.path());
  // The same archive either way (entries carry the tasks' finish times, so it is deterministic).
  expect(createHash('sha256').update(zipBytes).digest('hex')).toBe(pickerSha.sha);

  const entries = unzipSync(new Uint8Array(zipBytes));
  expect(Object.keys(entries).sort()).toEqual([...names.values()].sort());
  for (const t of done) {
    const png = entries[names.get(t.id)!];
    const info = pngInfo(png);
    expect({ name: t.name, w: info.width, h: info.height, bytes: png.length, rgba: info.colourType }).toEqual(
      {
        name: t.name,
        w: dims.get(t.name)!.w,
        h: dims.get(t.name)!.h,
        bytes: t.result!.bytes,
        rgba: 6,
      },
    );
  }
});

test('reload in the middle of a batch: every task ends done, none lost, none duplicated', async () => {
  test.setTimeout(minutes(4));
  const before = new Set((await tasks(page)).map((t) => t.id));
  const added = await addInputs(
    page,
    Array.from({ length: 6 }, (_, i) => ({ ...gen(20 + i), name: `reload-${i}.png` })),
  );
  const ids = added.map((t) => t.id);
  await expect
    .poll(async () => (await tasks(page)).filter((t) => ids.includes(t.id) && t.state === 'done').length, {
      timeout: minutes(8),
      intervals: [1000],
    })
    .toBeGreaterThanOrEqual(2);
  const doneBefore = (await tasks(page)).filter((t) => ids.includes(t.id) && t.state === 'done');
  expect(doneBefore.length).toBeLessThan(ids.length); // still mid-batch

  await page.reload();
  await openQueue(page);
  const afterReload = await tasks(page);
  expect(afterReload.filter((t) => ids.includes(t.id)).map((t) => t.id)).toEqual(ids);
  // Done results survived; the interrupted task is queued again (or already running anew).
  for (const t of doneBefore)
    expect(afterReload.find((x) => x.id === t.id)).toMatchObject({ state: 'done', finishedAt: t.finishedAt });

  const finished = await waitAllTerminal(page, ids, minutes(10));
  expect(finished.map((t) => t.state)).toEqual(ids.map(() => 'done'));
  const all = await tasks(page);
  expect(all).toHaveLength(before.size + ids.length);
  expect(new Set(all.map((t) => t.id)).size).toBe(all.length);
  // Those done before the reload were not run again.
  for (const t of doneBefore) expect(all.find((x) => x.id === t.id)!.finishedAt).toBe(t.finishedAt);
  // Storage holds exactly one record, original and result per task.
  const counts = await countRecords(page, 'jingjie-queue', ['tasks', 'originals', 'results']);
  const doneCount = all.filter((t) => t.state === 'done').length;
  expect(counts).toEqual({ tasks: all.length, originals: all.length, results: doneCount });
});

test('storage exhaustion: new images refused with a message, stored results stay readable', async () => {
  test.setTimeout(minutes(5));
  const doneTasks = (await tasks(page)).filter((t) => t.state === 'done');
  expect(doneTasks.length).toBeGreaterThan(0);
  const readable = () =>
    page.evaluate(async (list) => {
      const q = (window as unknown as Win).jingjie.queue!;
      const out: boolean[] = [];
      for (const t of list) out.push((await q.result(t.id))?.size === t.result!.bytes);
      return out.every(Boolean);
    }, doneTasks);

  // 1. The browser reports usage above 95 % of the quota: refused before anything is written.
  const first = await page.evaluate(async () => {
    const w = window as unknown as Win;
    const q = w.jingjie.queue!;
    const est = navigator.storage.estimate;
    navigator.storage.estimate = async () => ({ usage: 99e6, quota: 100e6 });
    try {
      await q.add([new File([new Uint8Array(100)], 'more.png', { type: 'image/png' })]);
      return { error: 'none' };
    } catch (e) {
      return {
        error: (e as Error).name,
        message: (e as Error).message,
        blocked: q.snapshot().stops,
        n: q.snapshot().tasks.length,
      };
    } finally {
      navigator.storage.estimate = est;
    }
  });
  expect(first.error).toBe('QuotaExceeded');
  expect(first.blocked).toContain('quota');
  expect(first.n).toBe((await tasks(page)).length);
  expect(await readable()).toBe(true);

  // Space is back: deleting one finished photo lifts the block.
  await page.evaluate((id) => (window as unknown as Win).jingjie.queue!.remove(id), doneTasks[0].id);
  expect(await page.evaluate(() => (window as unknown as Win).jingjie.queue!.snapshot().stops)).toEqual([]);
});

test('storage exhaustion: a real QuotaExceededError rolls the write back and nothing stored is harmed', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(minutes(5));
  // Chromium applies a quota override to an origin's storage opened after it, so use a fresh
  // context and cut the quota before the app first touches storage.
  const context = await browser.newContext();
  await context.addInitScript(STAND_IN);
  const p = await context.newPage();
  try {
    const cdp = await context.newCDPSession(p);
    const origin = new URL(baseURL!).origin;
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 6 * 1024 * 1024 });
    await p.goto('/');
    await openQueue(p);
    const r = await p.evaluate(async () => {
      const q = (window as unknown as Win).jingjie.queue!;
      q.pause(); // no inference needed here: originals are what is stored
      const est = navigator.storage.estimate;
      // The browser's estimate is coarse; make it say "room" so the write itself hits the quota.
      navigator.storage.estimate = async () => ({ usage: 0, quota: 1e12 });
      const bytes = (n: number) => {
        const b = new Uint8Array(n);
        for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
        return b;
      };
      const small = await q.add([new File([bytes(20_000)], 'small.png', { type: 'image/png' })]);
      let error = 'none';
      let detail: unknown;
      try {
        await q.add([new File([bytes(12 * 1024 * 1024)], 'too-big.png', { type: 'image/png' })]);
      } catch (e) {
        error = (e as Error).name;
        detail = (e as { detail?: unknown }).detail;
      } finally {
        navigator.storage.estimate = est;
      }
      const s = q.snapshot();
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const o = indexedDB.open('jingjie-queue');
        o.onsuccess = () => res(o.result);
        o.onerror = () => rej(o.error ?? new Error('open failed'));
      });
      const keys = (st: string) =>
        new Promise<string[]>((res) => {
          const k = db.transaction(st).objectStore(st).getAllKeys();
          k.onsuccess = () => res(k.result as string[]);
        });
      const stored = { tasks: await keys('tasks'), originals: await keys('originals') };
      db.close();
      return {
        error,
        detail,
        blocked: s.stops,
        names: s.tasks.map((t) => t.name),
        smallId: small[0].id,
        smallReadable: (await q.original(small[0].id))?.size,
        stored,
      };
    });
    expect(r.error).toBe('QuotaExceeded');
    expect(r.detail).toMatchObject({ added: 0, refused: 1 });
    expect(r.blocked).toContain('quota');
    expect(r.names).toEqual(['small.png']);
    expect(r.smallReadable).toBe(20_000);
    // The failed task left no record and no original behind.
    expect(r.stored).toEqual({ tasks: [r.smallId], originals: [r.smallId] });
  } finally {
    await context.close();
  }
});

test('two tabs: only one runs the queue; the other says so and takes over when the first closes', async ({
  browser,
}) => {
  test.setTimeout(minutes(3));
  const context = await browser.newContext();
  await context.addInitScript(STAND_IN);
  try {
    const a = await context.newPage();
    await a.goto('/');
    await openQueue(a);
    const b = await context.newPage();
    await b.goto('/');
    await openQueue(b);
    const blockedB = () => b.evaluate(() => (window as unknown as Win).jingjie.queue!.snapshot().stops);
    expect(await a.evaluate(() => (window as unknown as Win).jingjie.queue!.snapshot().stops)).toEqual([]);
    expect(await blockedB()).toEqual(['otherTab']);
    // The page says so in words, with no action but closing the other tab.
    await expect(b.getByTestId('queue-stop-otherTab')).toBeVisible();
    await a.close();
    await expect.poll(blockedB, { timeout: 30_000 }).toEqual([]);
    await expect(b.getByTestId('queue-stop-otherTab')).toBeHidden();
  } finally {
    await context.close();
  }
});
