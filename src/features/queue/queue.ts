// The persistent batch queue (issue 5): every image is a task stored in IndexedDB, run one at a
// time through the engine in submission order, resumable after a reload, exported as one ZIP.
// Only ids and metadata live in memory; originals and results are read from storage on demand.

import type { Engine } from '../../engine';
import { JingjieError, asJingjieError, type ErrorName, type WireError } from '../../shared/errors';
import type { RemoveOptions } from '../../shared/types';
import { openQueueStore, QUEUE_DB_NAME, type QueueStore } from '../../storage/queue-db';
import {
  estimateStorage,
  isPersisted,
  isQuotaError,
  requestPersistence,
  type StorageEstimateLike,
} from '../../storage/quota';
import { ResultNamer } from './names';
import type {
  QueueApi,
  QueueSnapshot,
  QueueStats,
  StorageInfo,
  Task,
  TaskState,
  ZipOptions,
  ZipRender,
} from './types';
import { openZipSink, zipFileName, zipStream, type SaveTarget } from './zip';

export interface QueueOptions {
  /** IndexedDB database name (tests use their own). */
  dbName?: string;
  /** Usage and quota; default `navigator.storage.estimate()`. */
  estimate?: () => Promise<StorageEstimateLike | undefined>;
  /** Share of the quota above which new images are refused (default 0.95). */
  quotaThreshold?: number;
  /** Longest wait between a change and the snapshot listeners hearing of it (default 100 ms). */
  notifyMs?: number;
  /** Passed to every `engine.removeBackground` call; `maskPng` is always on. */
  removeOptions?: RemoveOptions;
  /** Ask for persistent storage on the first `add` (default true). */
  persist?: boolean;
  /** Only one tab runs the queue, through a Web Lock (default: when `navigator.locks` exists). */
  lock?: boolean;
}

/** Snapshot fields beyond the shared contract (all optional). */
export interface PersistentQueueSnapshot extends QueueSnapshot {
  /** Processing stopped because the engine cannot run at all (model download failed, ...). `resume()` tries again. */
  halted?: WireError;
}

/** The contract plus a few optional members the UI may use. */
export interface PersistentQueueApi extends QueueApi {
  /** Resolves once the stored tasks are loaded (rejects with StorageUnavailable when IndexedDB is unusable). */
  ready: Promise<void>;
  snapshot(): PersistentQueueSnapshot;
  /** Same as the contract's, with an optional file name; resolves with where the ZIP went. */
  exportZip(ids?: string[], opts?: ZipOptions): Promise<void>;
  /** The ZIP of done results (all, or the given ids) as a byte stream, for callers that save it themselves. */
  zipStream(ids?: string[], render?: ZipRender): ReadableStream<Uint8Array>;
  /** Where the last `exportZip` wrote: a file picker stream or a Blob download. */
  lastExportTarget(): SaveTarget | undefined;
  /** Resolves when nothing is queued or processing (or the queue is paused, halted or blocked). */
  whenIdle(): Promise<void>;
  /** Stop processing, close the database, release the tab lock. */
  dispose(): Promise<void>;
}

const LOCK_NAME = 'jingjie-queue-runner';
/** Errors that say the engine cannot run at all: retrying the next image would fail the same way. */
const SYSTEMIC: ReadonlySet<ErrorName> = new Set(['ModelDownloadFailed', 'ModelIntegrity']);
const ADD_CHUNK = 16;
const RATE_WINDOW = 20;

const MB = 1024 * 1024;

class MinHeap {
  private a: { seq: number; id: string }[] = [];
  get size() {
    return this.a.length;
  }
  push(seq: number, id: string) {
    const a = this.a;
    a.push({ seq, id });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].seq <= a[i].seq) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): { seq: number; id: string } | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].seq < a[m].seq) m = l;
        if (r < a.length && a[r].seq < a[m].seq) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
  clear() {
    this.a = [];
  }
}

function newId(): string {
  // randomUUID needs a secure context; 127.0.0.1 and https have one, a LAN address does not.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x: number) => x.toString(16).padStart(2, '0')).join('');
}

function fmtMb(bytes: number): string {
  return bytes >= 1024 * MB ? `${(bytes / 1024 / MB).toFixed(1)} GB` : `${Math.round(bytes / MB)} MB`;
}

interface Run {
  id: string;
  ctrl: AbortController;
  /** Cancelled or removed by the user: the run's outcome is thrown away. */
  dropped: boolean;
  /** The result is being written: too late to cancel. */
  writing: boolean;
}

let latest: PersistentQueueApi | undefined;

/** The most recently created queue that is not disposed (for the automation hook in expose.ts). */
export function currentQueue(): PersistentQueueApi | undefined {
  return latest;
}

export function createQueue(engine: Engine, opts: QueueOptions = {}): PersistentQueueApi {
  const api = makeQueue(engine, opts);
  latest = api;
  const dispose = api.dispose;
  api.dispose = () => {
    if (latest === api) latest = undefined;
    return dispose();
  };
  return api;
}

function makeQueue(engine: Engine, opts: QueueOptions): PersistentQueueApi {
  const threshold = opts.quotaThreshold ?? 0.95;
  const notifyMs = opts.notifyMs ?? 100;
  const estimate = opts.estimate ?? estimateStorage;
  const useLock = opts.lock ?? (typeof navigator !== 'undefined' && !!navigator.locks);

  const tasks = new Map<string, Task>(); // insertion order = seq order
  const counts: Record<TaskState, number> = { queued: 0, processing: 0, done: 0, failed: 0, cancelled: 0 };
  const heap = new MinHeap();
  const namer = new ResultNamer();
  const listeners = new Set<(s: QueueSnapshot) => void>();

  let store: QueueStore | undefined;
  let nextSeq = 1;
  let paused = false;
  /** pause()/resume() was called before the stored state was read: the call wins. */
  let pausedByCall = false;
  let blockedReason: string | undefined;
  let quotaBlocked = false;
  let otherTab = false;
  let halted: WireError | undefined;
  let hasLock = !useLock;
  let releaseLock: (() => void) | undefined;
  let disposed = false;
  let run: Run | undefined;
  let pumping = false;
  let runtimeFailStreak = 0;
  let persistAsked = false;
  /** Bumped by clearAll: adds still in flight from before it must not reappear in memory. */
  let generation = 0;
  let lastTarget: SaveTarget | undefined;
  /** Start of the rate window, then completion times (done or failed). */
  let marks: number[] = [];

  let cached: PersistentQueueSnapshot | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastEmit = 0;
  let idleWaiters: (() => void)[] = [];

  // ---- state -------------------------------------------------------------------------------

  function put(t: Task): void {
    const old = tasks.get(t.id);
    if (old) counts[old.state]--;
    else namer.add(t.id, t.name);
    counts[t.state]++;
    tasks.set(t.id, t);
    changed();
  }

  function drop(id: string): void {
    const old = tasks.get(id);
    if (!old) return;
    counts[old.state]--;
    namer.delete(id, old.name);
    tasks.delete(id);
    changed();
  }

  function persist(t: Task): void {
    store?.putTask(t).catch((err: unknown) => console.warn('jingjie queue: could not save task state', err));
  }

  function update(id: string, patch: Partial<Task>): Task | undefined {
    const old = tasks.get(id);
    if (!old) return undefined;
    const t: Task = { ...old, ...patch };
    for (const k of Object.keys(patch) as (keyof Task)[]) if (patch[k] === undefined) delete t[k];
    put(t);
    persist(t);
    return t;
  }

  function enqueue(t: Task): void {
    heap.push(t.seq, t.id);
  }

  function stats(): QueueStats {
    const remaining = counts.queued + counts.processing;
    let perMinute = 0;
    if (marks.length >= 2) {
      const span = marks[marks.length - 1] - marks[0];
      if (span > 0) perMinute = ((marks.length - 1) / span) * 60_000;
    }
    return {
      total: tasks.size,
      done: counts.done,
      failed: counts.failed,
      cancelled: counts.cancelled,
      queued: counts.queued,
      perMinute,
      etaMs: remaining === 0 ? 0 : perMinute > 0 ? (remaining / perMinute) * 60_000 : undefined,
    };
  }

  function snapshot(): PersistentQueueSnapshot {
    if (!cached) {
      cached = {
        tasks: Array.from(tasks.values()),
        paused,
        stats: stats(),
        ...(blockedReason ? { blockedReason } : {}),
        ...(halted ? { halted } : {}),
      };
    }
    return cached;
  }

  /** Coalesce changes: listeners hear at most once per `notifyMs`. */
  function changed(): void {
    cached = undefined;
    if (timer !== undefined || disposed) return;
    const wait = Math.max(0, lastEmit + notifyMs - performance.now());
    timer = setTimeout(emit, wait);
  }

  function emit(): void {
    timer = undefined;
    lastEmit = performance.now();
    const s = snapshot();
    for (const l of listeners) {
      try {
        l(s);
      } catch (err) {
        console.error(err);
      }
    }
  }

  function setBlocked(): void {
    const reason = otherTab
      ? 'Jingjie is processing photos in another tab. Close that tab to add photos here.'
      : quotaBlocked
        ? blockedReason
        : undefined;
    if (reason !== blockedReason) {
      blockedReason = reason;
      changed();
    }
  }

  function quotaMessage(e?: StorageEstimateLike): string {
    const used = e ? ` (${fmtMb(e.usage)} of ${fmtMb(e.quota)} used)` : '';
    return `Storage is full${used}. New photos are not accepted until you delete some from the history (export them first if you want to keep them).`;
  }

  function blockForQuota(e?: StorageEstimateLike): void {
    quotaBlocked = true;
    blockedReason = quotaMessage(e);
    changed();
  }

  async function recheckQuota(): Promise<void> {
    if (!quotaBlocked) return;
    const e = await estimate();
    if (!e || e.usage < threshold * e.quota) {
      quotaBlocked = false;
      blockedReason = undefined;
      setBlocked();
      changed();
    }
  }

  function settleIdle(): void {
    const idle = !run && (counts.queued === 0 || paused || !!halted || !hasLock || disposed);
    if (!idle) return;
    const w = idleWaiters;
    idleWaiters = [];
    for (const r of w) r();
  }

  // ---- startup -------------------------------------------------------------------------------

  /** Reads the stored tasks. Only the tab that runs the queue (`recover`) may requeue interrupted ones. */
  async function loadFromStore(recover: boolean): Promise<void> {
    if (!store) return;
    tasks.clear();
    heap.clear();
    namer.clear();
    for (const k of Object.keys(counts) as TaskState[]) counts[k] = 0;
    const interrupted: Task[] = [];
    let maxSeq = 0;
    await store.loadTasks((page) => {
      for (let t of page) {
        if (recover && t.state === 'processing') {
          // Interrupted by a reload or a closed tab: it never finished, so run it again.
          t = { ...t, state: 'queued' };
          interrupted.push(t);
        }
        put(t);
        if (t.state === 'queued') enqueue(t);
        if (t.seq > maxSeq) maxSeq = t.seq;
      }
    });
    nextSeq = Math.max(nextSeq, maxSeq + 1);
    if (interrupted.length) await store.putTasks(interrupted);
    if (pausedByCall) void store.setMeta('paused', paused).catch(() => undefined);
    else paused = (await store.getMeta<boolean>('paused')) ?? false;
    changed();
  }

  function acquireLock(): Promise<boolean> {
    return new Promise((resolve) => {
      navigator.locks
        .request(LOCK_NAME, { ifAvailable: true }, (lock) => {
          if (!lock) {
            resolve(false);
            return undefined;
          }
          resolve(true);
          return new Promise<void>((r) => (releaseLock = r));
        })
        .catch(() => resolve(true)); // Locks unusable (opaque origin): run without.
    });
  }

  function waitForLock(): void {
    void navigator.locks
      .request(LOCK_NAME, () => {
        if (disposed) return undefined;
        return (async () => {
          // The other tab is gone: take over from what it left in storage.
          await loadFromStore(true);
          hasLock = true;
          otherTab = false;
          setBlocked();
          void pump();
          await new Promise<void>((r) => (releaseLock = r));
        })();
      })
      .catch(() => undefined);
  }

  const ready: Promise<void> = (async () => {
    try {
      store = await openQueueStore(opts.dbName ?? QUEUE_DB_NAME);
    } catch (err) {
      halted = {
        name: 'StorageUnavailable',
        message: `This browser does not let Jingjie store photos (${(err as Error)?.message ?? err}).`,
      };
      changed();
      throw new JingjieError('StorageUnavailable', halted.message);
    }
    if (useLock && !(await acquireLock())) {
      otherTab = true;
      setBlocked();
      waitForLock();
    } else {
      hasLock = true;
    }
    await loadFromStore(hasLock);
    void pump();
  })();
  ready.catch(() => undefined);

  async function storeReady(): Promise<QueueStore> {
    await ready;
    if (!store || disposed) throw new JingjieError('StorageUnavailable', 'The queue is closed.');
    return store;
  }

  // ---- the runner ------------------------------------------------------------------------------

  function nextQueued(): Task | undefined {
    for (;;) {
      const top = heap.pop();
      if (!top) return undefined;
      const t = tasks.get(top.id);
      if (t && t.state === 'queued' && t.seq === top.seq) return t;
    }
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    marks = []; // a new run of work: the rate counts from now
    try {
      while (!disposed && !paused && !halted && hasLock && store) {
        const t = nextQueued();
        if (!t) break;
        await runTask(t, store);
        // Let rendering and input in between tasks.
        await new Promise((r) => setTimeout(r, 0));
      }
    } finally {
      pumping = false;
      settleIdle();
    }
  }

  function complete(): void {
    const now = performance.now();
    if (marks.length === 0) marks.push(now);
    marks.push(now);
    if (marks.length > RATE_WINDOW + 1) marks = marks.slice(-RATE_WINDOW - 1);
  }

  async function runTask(task: Task, db: QueueStore): Promise<void> {
    const r: Run = { id: task.id, ctrl: new AbortController(), dropped: false, writing: false };
    run = r;
    if (marks.length === 0) marks = [performance.now()];
    try {
      update(task.id, { state: 'processing', error: undefined, result: undefined, finishedAt: undefined });
      const original = await db.original(task.id);
      if (r.dropped) return;
      if (!original) {
        update(task.id, {
          state: 'failed',
          error: { name: 'StorageUnavailable', message: 'The original of this photo is no longer stored.' },
          finishedAt: Date.now(),
        });
        return;
      }
      let out;
      try {
        out = await engine.removeBackground(original, {
          fileName: task.name,
          ...opts.removeOptions,
          maskPng: true,
          signal: r.ctrl.signal,
        });
      } catch (err) {
        if (r.dropped) return;
        const e = asJingjieError(err);
        if (e.name === 'AbortError') {
          update(task.id, { state: 'cancelled', finishedAt: Date.now() });
          return;
        }
        runtimeFailStreak = e.name === 'RuntimeFailed' ? runtimeFailStreak + 1 : 0;
        if (SYSTEMIC.has(e.name) || runtimeFailStreak >= 3) {
          // Not this photo's fault: keep it queued and stop until the user resumes.
          runtimeFailStreak = 0;
          halted = e.toWire();
          const t = update(task.id, { state: 'queued' });
          if (t) enqueue(t);
          return;
        }
        update(task.id, { state: 'failed', error: e.toWire(), finishedAt: Date.now() });
        complete();
        return;
      }
      runtimeFailStreak = 0;
      if (r.dropped) return;
      const cur = tasks.get(task.id);
      if (!cur) return;
      const done: Task = {
        ...cur,
        state: 'done',
        finishedAt: Date.now(),
        result: {
          width: out.width,
          height: out.height,
          bytes: out.blob.size,
          backend: out.backend,
          variant: out.variant,
          timings: out.timings,
          ...(out.notice ? { notice: out.notice } : {}),
          ...(out.edgeFocus ? { edgeFocus: out.edgeFocus } : {}),
          ...(out.notes
            ? { notes: out.notes, originalWidth: out.originalWidth, originalHeight: out.originalHeight }
            : {}),
        },
      };
      delete done.error;
      r.writing = true;
      try {
        // One transaction: the result and the `done` record land together or not at all.
        await db.finishTask(done, { png: out.blob, ...(out.maskPng ? { mask: out.maskPng } : {}) });
      } catch (err) {
        if (!tasks.has(task.id)) return;
        if (isQuotaError(err)) {
          // Nothing was written. Keep the photo queued, stop, and refuse new ones until space is freed.
          const t = update(task.id, { state: 'queued' });
          if (t) enqueue(t);
          paused = true;
          blockForQuota(await estimate());
          return;
        }
        update(task.id, {
          state: 'failed',
          error: asJingjieError(err, 'StorageUnavailable').toWire(),
          finishedAt: Date.now(),
        });
        return;
      }
      if (!tasks.has(task.id)) return; // removed while writing; its delete ran after our write
      put(done);
      complete();
    } finally {
      if (run === r) run = undefined;
    }
  }

  // ---- the API ---------------------------------------------------------------------------------

  async function add(files: File[]): Promise<Task[]> {
    const db = await storeReady();
    if (otherTab) throw new JingjieError('StorageUnavailable', blockedReason ?? 'Busy in another tab.');
    if (opts.persist !== false && !persistAsked) {
      persistAsked = true;
      void requestPersistence();
    }
    if (quotaBlocked) await recheckQuota();
    const e = await estimate();
    const gen = generation;
    let planned = e?.usage ?? 0;
    const added: Task[] = [];
    let quotaHit = false;
    let otherError: unknown;

    for (let i = 0; i < files.length && !quotaHit; i += ADD_CHUNK) {
      const chunk = files.slice(i, i + ADD_CHUNK);
      const jobs: Promise<Task | undefined>[] = [];
      for (const file of chunk) {
        if (quotaBlocked || (e && planned + file.size > threshold * e.quota)) {
          quotaHit = true;
          break;
        }
        planned += file.size;
        const seq = nextSeq++;
        const task: Task = {
          id: newId(),
          name:
            file.name || `pasted-image-${seq}.${(file.type.split('/')[1] ?? 'png').replace('jpeg', 'jpg')}`,
          size: file.size,
          type: file.type,
          createdAt: Date.now(),
          seq,
          state: 'queued',
        };
        // Transactions on the same stores run in creation order, so tasks land in seq order.
        jobs.push(
          db.addTask(task, file).then(
            () => {
              if (disposed || gen !== generation) return undefined;
              put(task);
              enqueue(task);
              void pump();
              return task;
            },
            (err: unknown) => {
              if (isQuotaError(err)) quotaHit = true;
              else otherError ??= err;
              return undefined;
            },
          ),
        );
      }
      for (const t of await Promise.all(jobs)) if (t) added.push(t);
      if (otherError) break;
    }
    const refused = files.length - added.length;
    if (quotaHit) {
      blockForQuota(await estimate());
      throw new JingjieError('QuotaExceeded', blockedReason ?? quotaMessage(), {
        added: added.length,
        refused,
      });
    }
    if (otherError) {
      const err = asJingjieError(otherError, 'StorageUnavailable');
      err.detail = { ...err.detail, added: added.length, refused };
      throw err;
    }
    return added;
  }

  async function cancel(id: string): Promise<void> {
    await ready;
    const t = tasks.get(id);
    if (!t) return;
    if (t.state === 'queued') {
      update(id, { state: 'cancelled', finishedAt: Date.now() });
    } else if (t.state === 'processing' && run?.id === id && !run.writing) {
      run.dropped = true;
      run.ctrl.abort();
      update(id, { state: 'cancelled', finishedAt: Date.now() });
    }
    settleIdle();
  }

  async function retry(id: string): Promise<void> {
    await ready;
    const t = tasks.get(id);
    if (!t || (t.state !== 'failed' && t.state !== 'cancelled')) return;
    const q = update(id, { state: 'queued', error: undefined, finishedAt: undefined });
    if (q) enqueue(q);
    void pump();
  }

  async function remove(id: string): Promise<void> {
    const db = await storeReady();
    if (run?.id === id) {
      run.dropped = true;
      run.ctrl.abort();
    }
    drop(id);
    await db.deleteTask(id);
    await recheckQuota();
    settleIdle();
  }

  async function clearAll(): Promise<void> {
    const db = await storeReady();
    generation++;
    if (run) {
      run.dropped = true;
      run.ctrl.abort();
    }
    tasks.clear();
    heap.clear();
    namer.clear();
    for (const k of Object.keys(counts) as TaskState[]) counts[k] = 0;
    marks = [];
    changed();
    await db.clear();
    await recheckQuota();
    settleIdle();
  }

  function pause(): void {
    paused = true;
    pausedByCall = true;
    changed();
    void store?.setMeta('paused', true).catch(() => undefined);
    settleIdle();
  }

  function resume(): void {
    paused = false;
    pausedByCall = true;
    halted = undefined;
    marks = [];
    changed();
    void store?.setMeta('paused', false).catch(() => undefined);
    void pump();
  }

  function resultName(task: Task, ext = 'png'): string {
    return namer.name(task, ext);
  }

  function doneTasks(ids?: string[]): Task[] {
    const list = ids
      ? ids.map((id) => tasks.get(id)).filter((t): t is Task => !!t)
      : Array.from(tasks.values());
    return list.filter((t) => t.state === 'done').sort((a, b) => a.seq - b.seq);
  }

  function makeZip(ids?: string[], render?: ZipRender): ReadableStream<Uint8Array> {
    const list = doneTasks(ids).map((t) => ({
      task: t,
      name: resultName(t, render?.ext),
      lastModified: t.finishedAt,
    }));
    return zipStream(
      (function* () {
        for (const t of list) {
          yield {
            name: t.name,
            lastModified: t.lastModified,
            // One render at a time: the archive asks for the next entry only after this one is written.
            read: async () => {
              const png = (await store?.result(t.task.id))?.png;
              return png && render ? render.apply(png, t.task) : png;
            },
          };
        }
      })(),
    );
  }

  async function exportZip(ids?: string[], o: ZipOptions = {}): Promise<void> {
    // The save dialog first, while the click's user activation is still fresh.
    const sink = await openZipSink(o.fileName ?? zipFileName());
    await storeReady();
    lastTarget = sink.target;
    await sink.write(makeZip(ids, o.render));
  }

  async function storage(): Promise<StorageInfo> {
    const [e, persisted] = await Promise.all([estimate(), isPersisted()]);
    return { usage: e?.usage ?? 0, quota: e?.quota ?? 0, persisted };
  }

  return {
    ready,
    add,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    snapshot,
    cancel,
    retry,
    remove,
    clearAll,
    pause,
    resume,
    original: async (id) => (await storeReady()).original(id),
    result: async (id) => (await (await storeReady()).result(id))?.png,
    mask: async (id) => (await (await storeReady()).result(id))?.mask,
    resultName,
    exportZip,
    zipStream: makeZip,
    lastExportTarget: () => lastTarget,
    storage,
    whenIdle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        void ready.then(settleIdle, () => resolve());
      });
    },
    async dispose() {
      disposed = true;
      if (run) {
        run.dropped = true;
        run.ctrl.abort();
      }
      if (timer !== undefined) clearTimeout(timer);
      releaseLock?.();
      await ready.catch(() => undefined);
      store?.close();
      settleIdle();
    },
  };
}
