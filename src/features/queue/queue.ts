// The persistent batch queue (issue 5): every image is a task stored in IndexedDB, run one at a
// time through the engine in submission order, resumable after a reload, exported as one ZIP.
// Only ids and metadata live in memory; originals and results are read from storage on demand.
// The state, its transitions and a task's run phases are the pure core (core.ts). This file builds
// the context the adapters share (context.ts) and puts them behind the API: start-up and the tab
// lock (tab-lock.ts), the quota gate, the runner (runner.ts), adding (add.ts), the ZIP
// (export.ts), the brush's edits (edits.ts) and the notifier.

import type { Engine } from '../../engine';
import { JingjieError, asJingjieError } from '../../shared/errors';
import { openQueueStore, QUEUE_DB_NAME, type QueueStore } from '../../storage/queue-db';
import { estimateStorage, isPersisted } from '../../storage/quota';
import {
  canRun,
  clearTasks,
  createState,
  dropTask,
  lift,
  loadTask,
  overQuota,
  patchTask,
  snapshotOf,
  stop,
  userPause,
} from './core';
import { ResultNamer, type ResultKind } from '../../shared/names';
import { adder } from './add';
import type { QueueContext, QueueOptions } from './context';
import { editStore } from './edits';
import { exporter } from './export';
import { coalescingNotifier } from './notify';
import { createRunner } from './runner';
import { NO_LOCK, webTabLock, type TabLock } from './tab-lock';
import type { QueueApi, QueueSnapshot, StorageInfo, Task, ZipOptions, ZipRender } from './types';
import type { SaveTarget } from './zip';

export type { QueueOptions };

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
  const snapshot = (): PersistentQueueSnapshot => {
    const progress = runner.progress();
    return (cached ??= progress ? { ...snapshotOf(s), progress } : snapshotOf(s));
  };
  const notifier = coalescingNotifier<QueueSnapshot>(snapshot, opts.notifyMs ?? 100);

  let store: QueueStore | undefined;
  /** The user's pause()/resume() made before the stored state was read: it wins over the stored one. */
  let idleWaiters: (() => void)[] = [];

  // ---- the context every adapter shares --------------------------------------------------------

  const ctx: QueueContext = {
    s,
    namer,
    engine,
    opts,
    generation: 0,
    threshold,
    estimate,
    storeReady,
    changed() {
      cached = undefined;
      notifier.changed();
    },
    persist(t) {
      if (!t) return;
      store
        ?.putTask(t)
        .catch((err: unknown) => console.warn('jingjie queue: could not save task state', err));
    },
    update(id, patch) {
      const t = patchTask(s, id, patch);
      ctx.persist(t);
      ctx.changed();
      return t;
    },
    settleIdle() {
      const idle = !s.run && (s.counts.queued === 0 || !canRun(s));
      if (!idle) return;
      const w = idleWaiters;
      idleWaiters = [];
      for (const r of w) r();
    },
    stopForQuota() {
      if (stop(s, 'quota')) ctx.changed();
      void estimate().then((e) => {
        if (s.stops.has('quota') && e) {
          s.storage = { usage: e.usage, quota: e.quota };
          ctx.changed();
        }
      });
    },
    async recheckStorage() {
      if (!s.stops.has('quota')) return;
      const e = await estimate();
      if (!overQuota(e, threshold) && lift(s, 'quota')) {
        ctx.changed();
        void runner.pump();
      }
    },
  };
  const runner = createRunner(ctx);
  const pump = () => void runner.pump();

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
    if (s.pauseCall !== undefined) void store.setMeta('paused', s.pauseCall).catch(() => undefined);
    else if (await store.getMeta<boolean>('paused')) stop(s, 'user');
    ctx.changed();
  }

  const ready: Promise<void> = (async () => {
    try {
      store = await openQueueStore(opts.dbName ?? QUEUE_DB_NAME);
    } catch (err) {
      const e = asJingjieError(err, 'StorageUnavailable');
      stop(s, 'halted');
      s.halted = { name: 'StorageUnavailable', message: e.message };
      ctx.changed();
      throw new JingjieError('StorageUnavailable', e.message);
    }
    if (!(await lock.tryAcquire())) {
      stop(s, 'otherTab');
      lock.waitFor(async () => {
        if (s.stops.has('disposed')) return;
        // The other tab is gone: take over from what it left in storage.
        await loadFromStore(true);
        lift(s, 'otherTab');
        ctx.changed();
        pump();
      });
    }
    await loadFromStore(!s.stops.has('otherTab'));
    pump();
  })();
  ready.catch(() => undefined);

  async function storeReady(): Promise<QueueStore> {
    await ready;
    if (!store || s.stops.has('disposed')) throw new JingjieError('StorageUnavailable', 'queue closed');
    return store;
  }

  // ---- the API ---------------------------------------------------------------------------------

  function resultName(task: Task, ext = 'png', kind: ResultKind = 'nobg'): string {
    return namer.name(task, ext, kind);
  }
  const add = adder(ctx, pump);
  const zip = exporter(ctx, resultName);
  const { edits, saveEdits } = editStore(ctx);

  async function cancel(id: string): Promise<void> {
    await ready;
    const t = s.tasks.get(id);
    if (!t) return;
    if (t.state === 'queued') ctx.update(id, { state: 'cancelled', finishedAt: Date.now() });
    else if (t.state === 'processing') runner.cancel(id);
    ctx.settleIdle();
  }

  async function retry(id: string): Promise<void> {
    await ready;
    const t = s.tasks.get(id);
    if (!t || (t.state !== 'failed' && t.state !== 'cancelled')) return;
    ctx.update(id, { state: 'queued', error: undefined, finishedAt: undefined });
    pump();
  }

  async function remove(id: string): Promise<void> {
    const db = await storeReady();
    runner.drop(id);
    const old = dropTask(s, id);
    if (old) namer.delete(id, old.name);
    ctx.changed();
    await db.deleteTask(id);
    await ctx.recheckStorage();
    ctx.settleIdle();
  }

  async function clearAll(): Promise<void> {
    const db = await storeReady();
    ctx.generation++;
    runner.drop();
    clearTasks(s);
    namer.clear();
    ctx.changed();
    await db.clear();
    await ctx.recheckStorage();
    ctx.settleIdle();
  }

  function setUserStop(on: boolean): void {
    if (userPause(s, on)) ctx.changed();
    void store?.setMeta('paused', on).catch(() => undefined);
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
      ctx.settleIdle();
    },
    resume() {
      setUserStop(false);
      pump();
    },
    retryEngine() {
      if (lift(s, 'halted')) ctx.changed();
      pump();
    },
    recheckStorage: ctx.recheckStorage,
    original: async (id) => (await storeReady()).original(id),
    result: async (id) => (await (await storeReady()).result(id))?.png,
    mask: async (id) => (await (await storeReady()).result(id))?.mask,
    edits,
    saveEdits,
    resultName,
    exportZip: zip.exportZip,
    zipStream: zip.zipStream,
    lastExportTarget: zip.lastTarget,
    storage,
    whenIdle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        void ready.then(ctx.settleIdle, () => resolve());
      });
    },
    async dispose() {
      stop(s, 'disposed');
      runner.drop();
      notifier.close();
      lock.release();
      await ready.catch(() => undefined);
      store?.close();
      ctx.settleIdle();
    },
  };
}
