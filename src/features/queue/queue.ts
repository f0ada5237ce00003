// The persistent batch queue (issue 5): every image is a task stored in IndexedDB, run one at a
// time through the engine in submission order, resumable after a reload, exported as one ZIP.
// Only ids and metadata live in memory; originals and results are read from storage on demand.
// The state and its transitions are the pure core (core.ts); this file is the I/O around it: the
// IndexedDB store, the tab lock (tab-lock.ts), the quota gate, the runner and the notifier.

import type { Engine } from '../../engine';
import { JingjieError, asJingjieError, type ErrorName, type WireError } from '../../shared/errors';
import type { RemoveOptions } from '../../shared/types';
import type { BrushStroke } from '../../shared/brush';
import { openQueueStore, QUEUE_DB_NAME, type QueueStore, type StoredResult } from '../../storage/queue-db';
import {
  estimateStorage,
  isPersisted,
  isQuotaError,
  requestPersistence,
  type StorageEstimateLike,
} from '../../storage/quota';
import {
  canRun,
  clearTasks,
  createState,
  dropTask,
  lift,
  loadTask,
  nextQueued,
  overQuota,
  patchTask,
  putTask,
  refusesAdds,
  snapshotOf,
  startRateWindow,
  stop,
  taskDone,
  taskFailed,
  taskOverQuota,
  taskRefused,
} from './core';
import { ResultNamer, type ResultKind } from '../../shared/names';
import { coalescingNotifier } from './notify';
import { NO_LOCK, webTabLock, type TabLock } from './tab-lock';
import type { QueueApi, QueueSnapshot, StorageInfo, Task, ZipOptions, ZipRender } from './types';
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

/** The snapshot (kept as a name for callers written against the earlier contract). */
export type PersistentQueueSnapshot = QueueSnapshot;

/** The contract plus a few optional members the UI may use. */
export interface PersistentQueueApi extends QueueApi {
  /** The engine the queue runs on (tests reach its hooks through it). */
  readonly engine: Engine;
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
/** What the pre-check may fail a task with (anything else it throws is left to the job). */
const REFUSALS: ReadonlySet<ErrorName> = new Set([
  'EmptyFile',
  'NotAnImage',
  'UnsupportedFormat',
  'FileTooLarge',
  'TooManyPixels',
  'DecodeFailed',
]);
const ADD_CHUNK = 16;

function newId(): string {
  // randomUUID needs a secure context; 127.0.0.1 and https have one, a LAN address does not.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x: number) => x.toString(16).padStart(2, '0')).join('');
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
  const estimate = opts.estimate ?? estimateStorage;
  const useLock = opts.lock ?? (typeof navigator !== 'undefined' && !!navigator.locks);
  const lock: TabLock = useLock ? webTabLock(LOCK_NAME) : NO_LOCK;

  const s = createState();
  const namer = new ResultNamer();
  let cached: PersistentQueueSnapshot | undefined;
  /** The long stage the running task reported (the refine step of a large photo), if any. */
  let progress: QueueSnapshot['progress'];
  const snapshot = (): PersistentQueueSnapshot =>
    (cached ??= progress && run?.id === progress.id ? { ...snapshotOf(s), progress } : snapshotOf(s));
  const notifier = coalescingNotifier<QueueSnapshot>(snapshot, opts.notifyMs ?? 100);

  let store: QueueStore | undefined;
  let run: Run | undefined;
  let pumping = false;
  let persistAsked = false;
  /** pause()/resume() was called before the stored state was read: the call wins. */
  let pausedByCall = false;
  /** Bumped by clearAll: adds still in flight from before it must not reappear in memory. */
  let generation = 0;
  let lastTarget: SaveTarget | undefined;
  let idleWaiters: (() => void)[] = [];

  // ---- state: the core plus the names, then the listeners hear of it -------------------------

  function changed(): void {
    cached = undefined;
    notifier.changed();
  }

  function put(t: Task): void {
    if (!putTask(s, t)) namer.add(t.id, t.name);
    changed();
  }

  function drop(id: string): void {
    const old = dropTask(s, id);
    if (old) namer.delete(id, old.name);
    changed();
  }

  function persist(t: Task | undefined): void {
    if (!t) return;
    store?.putTask(t).catch((err: unknown) => console.warn('jingjie queue: could not save task state', err));
  }

  function update(id: string, patch: Partial<Task>): Task | undefined {
    const t = patchTask(s, id, patch);
    persist(t);
    changed();
    return t;
  }

  function settleIdle(): void {
    const idle = !run && (s.counts.queued === 0 || !canRun(s));
    if (!idle) return;
    const w = idleWaiters;
    idleWaiters = [];
    for (const r of w) r();
  }

  // ---- the quota gate --------------------------------------------------------------------------

  async function recheckStorage(): Promise<void> {
    if (!s.stops.has('quota')) return;
    const e = await estimate();
    if (!overQuota(e, threshold) && lift(s, 'quota')) {
      changed();
      void pump();
    }
  }

  function stopForQuota(): void {
    if (stop(s, 'quota')) changed();
    void estimate().then((e) => {
      if (s.stops.has('quota') && e) {
        s.storage = { usage: e.usage, quota: e.quota };
        changed();
      }
    });
  }

  // ---- start-up and the tab lock ---------------------------------------------------------------

  /** Reads the stored tasks. Only the tab that runs the queue (`recover`) may requeue interrupted ones. */
  async function loadFromStore(recover: boolean): Promise<void> {
    if (!store) return;
    clearTasks(s);
    namer.clear();
    const interrupted: Task[] = [];
    await store.loadTasks((page) => {
      for (const t of page) {
        const u = loadTask(s, t, recover);
        namer.add(u.id, u.name);
        if (u !== t) interrupted.push(u); // interrupted by a reload or a closed tab: run it again
      }
    });
    if (interrupted.length) await store.putTasks(interrupted);
    if (pausedByCall) void store.setMeta('paused', s.stops.has('user')).catch(() => undefined);
    else if (await store.getMeta<boolean>('paused')) stop(s, 'user');
    changed();
  }

  const ready: Promise<void> = (async () => {
    try {
      store = await openQueueStore(opts.dbName ?? QUEUE_DB_NAME);
    } catch (err) {
      const e = asJingjieError(err, 'StorageUnavailable');
      stop(s, 'halted');
      s.halted = { name: 'StorageUnavailable', message: e.message };
      changed();
      throw new JingjieError('StorageUnavailable', e.message);
    }
    if (!(await lock.tryAcquire())) {
      stop(s, 'otherTab');
      lock.waitFor(async () => {
        if (s.stops.has('disposed')) return;
        // The other tab is gone: take over from what it left in storage.
        await loadFromStore(true);
        lift(s, 'otherTab');
        changed();
        void pump();
      });
    }
    await loadFromStore(!s.stops.has('otherTab'));
    void pump();
  })();
  ready.catch(() => undefined);

  async function storeReady(): Promise<QueueStore> {
    await ready;
    if (!store || s.stops.has('disposed')) throw new JingjieError('StorageUnavailable', 'queue closed');
    return store;
  }

  // ---- the runner ------------------------------------------------------------------------------

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    startRateWindow(s, Date.now());
    try {
      while (canRun(s) && store) {
        const t = nextQueued(s);
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

  async function runTask(task: Task, db: QueueStore): Promise<void> {
    const r: Run = { id: task.id, ctrl: new AbortController(), dropped: false, writing: false };
    run = r;
    try {
      update(task.id, { state: 'processing', error: undefined, result: undefined, finishedAt: undefined });
      const original = await db.original(task.id);
      if (r.dropped) return;
      if (!original) {
        const e: WireError = { name: 'StorageUnavailable', message: 'original missing' };
        persist(taskFailed(s, task.id, e, Date.now())?.task);
        changed();
        return;
      }
      let out;
      try {
        out = await engine.removeBackground(original, {
          fileName: task.name,
          ...opts.removeOptions,
          maskPng: true,
          signal: r.ctrl.signal,
          onProgress: (code) => {
            if (run !== r) return;
            progress = { id: task.id, code };
            changed();
          },
        });
      } catch (err) {
        if (r.dropped) return;
        const e = asJingjieError(err);
        if (e.name === 'AbortError') {
          update(task.id, { state: 'cancelled', finishedAt: Date.now() });
          return;
        }
        // Fails this photo alone, or halts the queue with the photo kept queued (the core decides).
        persist(taskFailed(s, task.id, e.toWire(), Date.now())?.task);
        changed();
        return;
      }
      if (r.dropped) return;
      const cur = s.tasks.get(task.id);
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
        if (!s.tasks.has(task.id)) return;
        if (isQuotaError(err)) {
          // Nothing was written. Keep the photo queued and stop until space is freed.
          persist(taskOverQuota(s, task.id, undefined));
          stopForQuota();
          return;
        }
        update(task.id, {
          state: 'failed',
          error: asJingjieError(err, 'StorageUnavailable').toWire(),
          finishedAt: Date.now(),
        });
        return;
      }
      if (!s.tasks.has(task.id)) return; // removed while writing; its delete ran after our write
      taskDone(s, done, Date.now());
      changed();
    } finally {
      if (run === r) run = undefined;
      if (progress?.id === task.id) progress = undefined;
    }
  }

  // ---- the API ---------------------------------------------------------------------------------

  async function add(files: File[]): Promise<Task[]> {
    const db = await storeReady();
    if (opts.persist !== false && !persistAsked) {
      persistAsked = true;
      void requestPersistence();
    }
    await recheckStorage();
    const refused = refusesAdds(s);
    if (refused === 'otherTab') throw new JingjieError('OtherTab', 'another tab runs the queue');
    if (refused === 'disposed') throw new JingjieError('StorageUnavailable', 'queue closed');
    const e = await estimate();
    const gen = generation;
    let planned = e?.usage ?? 0;
    const added: Task[] = [];
    let quotaHit = refused === 'quota';
    let otherError: unknown;

    for (let i = 0; i < files.length && !quotaHit; i += ADD_CHUNK) {
      const chunk = files.slice(i, i + ADD_CHUNK);
      const jobs: Promise<Task | undefined>[] = [];
      for (const file of chunk) {
        if (e && e.quota > 0 && planned + file.size > threshold * e.quota) {
          quotaHit = true;
          break;
        }
        planned += file.size;
        const seq = s.nextSeq++;
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
              if (s.stops.has('disposed') || gen !== generation) return undefined;
              put(task);
              precheck(task, file, gen);
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
    const detail = { added: added.length, refused: files.length - added.length };
    if (quotaHit) {
      stopForQuota();
      throw new JingjieError('QuotaExceeded', 'storage full', detail);
    }
    if (otherError) {
      const err = asJingjieError(otherError, 'StorageUnavailable');
      err.detail = { ...err.detail, ...detail };
      throw err;
    }
    return added;
  }

  /** Files refused before decoding fail at once, even while the model is still loading. */
  function precheck(task: Task, file: File, gen: number): void {
    if (!engine.check) return;
    const { maxBytes, maxPixels } = opts.removeOptions ?? {};
    engine.check(file, { fileName: task.name, maxBytes, maxPixels }).catch((err: unknown) => {
      const e = asJingjieError(err);
      if (!REFUSALS.has(e.name) || gen !== generation) return;
      const t = taskRefused(s, task.id, e.toWire(), Date.now());
      if (!t) return;
      persist(t);
      changed();
      settleIdle();
    });
  }

  async function cancel(id: string): Promise<void> {
    await ready;
    const t = s.tasks.get(id);
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
    const t = s.tasks.get(id);
    if (!t || (t.state !== 'failed' && t.state !== 'cancelled')) return;
    update(id, { state: 'queued', error: undefined, finishedAt: undefined });
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
    await recheckStorage();
    settleIdle();
  }

  async function clearAll(): Promise<void> {
    const db = await storeReady();
    generation++;
    if (run) {
      run.dropped = true;
      run.ctrl.abort();
    }
    clearTasks(s);
    namer.clear();
    changed();
    await db.clear();
    await recheckStorage();
    settleIdle();
  }

  function setUserStop(on: boolean): void {
    pausedByCall = true;
    if (on ? stop(s, 'user') : lift(s, 'user')) changed();
    void store?.setMeta('paused', on).catch(() => undefined);
  }

  function resultName(task: Task, ext = 'png', kind: ResultKind = 'nobg'): string {
    return namer.name(task, ext, kind);
  }

  function doneTasks(ids?: string[]): Task[] {
    const list = ids
      ? ids.map((id) => s.tasks.get(id)).filter((t): t is Task => !!t)
      : Array.from(s.tasks.values());
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

  async function edits(id: string): Promise<{ strokes: BrushStroke[]; cutout: Blob } | undefined> {
    const r = await (await storeReady()).result(id);
    if (!r) return undefined;
    return { strokes: r.edits ?? [], cutout: r.unedited?.png ?? r.png };
  }

  async function saveEdits(id: string, strokes: BrushStroke[], edited?: { png: Blob; mask: Blob }) {
    const db = await storeReady();
    if (strokes.length && !edited) throw new JingjieError('RuntimeFailed', 'edits without their result');
    let saved: Task | undefined;
    try {
      saved = await db.updateResult(id, (task, cur) => {
        const unedited = cur.unedited ?? { png: cur.png, ...(cur.mask ? { mask: cur.mask } : {}) };
        const result: StoredResult =
          strokes.length && edited
            ? { png: edited.png, mask: edited.mask, edits: strokes, unedited }
            : { png: unedited.png, ...(unedited.mask ? { mask: unedited.mask } : {}) };
        const info = { ...task.result!, bytes: result.png.size, editedAt: Date.now() };
        if (strokes.length) info.edits = strokes.length;
        else delete info.edits;
        return { task: { ...task, result: info }, result };
      });
    } catch (err) {
      if (isQuotaError(err)) throw new JingjieError('QuotaExceeded', 'storage full');
      throw asJingjieError(err, 'StorageUnavailable');
    }
    if (!saved) throw new JingjieError('StorageUnavailable', 'result missing');
    if (patchTask(s, id, { result: saved.result })) changed();
  }

  async function storage(): Promise<StorageInfo> {
    const [e, persisted] = await Promise.all([estimate(), isPersisted()]);
    return { usage: e?.usage ?? 0, quota: e?.quota ?? 0, persisted };
  }

  return {
    engine,
    ready,
    add,
    subscribe: (l) => notifier.subscribe(l),
    snapshot,
    cancel,
    retry,
    remove,
    clearAll,
    pause() {
      setUserStop(true);
      settleIdle();
    },
    resume() {
      setUserStop(false);
      void pump();
    },
    retryEngine() {
      if (lift(s, 'halted')) changed();
      void pump();
    },
    recheckStorage,
    original: async (id) => (await storeReady()).original(id),
    result: async (id) => (await (await storeReady()).result(id))?.png,
    mask: async (id) => (await (await storeReady()).result(id))?.mask,
    edits,
    saveEdits,
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
      stop(s, 'disposed');
      if (run) {
        run.dropped = true;
        run.ctrl.abort();
      }
      notifier.close();
      lock.release();
      await ready.catch(() => undefined);
      store?.close();
      settleIdle();
    },
  };
}
