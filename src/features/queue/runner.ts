// The runner: takes the next queued task while the core lets it (no stop reason), and walks it
// through the core's run phases (core.ts): loading the original, running the engine, writing the
// result and the `done` record in one transaction. The I/O is here; every decision (what a
// failure means, whether a cancelled or removed task's outcome still counts) is the core's.

import { asJingjieError, type WireError } from '../../shared/errors';
import type { QueueStore } from '../../storage/queue-db';
import { isQuotaError } from '../../storage/quota';
import {
  canRun,
  endRun,
  nextQueued,
  runLive,
  runStep,
  startRateWindow,
  startRun,
  taskDone,
  taskFailed,
  taskOverQuota,
} from './core';
import type { QueueContext } from './context';
import type { QueueSnapshot, Task } from './types';

export interface Runner {
  /** Runs queued tasks in order while the core lets it; one loop at a time (a second call joins it). */
  pump(): Promise<void>;
  /** The user cancels the running task `id`; false when it is not running or already writing. */
  cancel(id: string): boolean;
  /** The running task (`id`, or whichever) went away: its outcome is thrown away. */
  drop(id?: string): void;
  /** The long stage the running task reported (the refine step of a large photo), if any. */
  progress(): QueueSnapshot['progress'];
}

export function createRunner(ctx: QueueContext): Runner {
  const { s } = ctx;
  let loop: Promise<void> | undefined;
  let abort: AbortController | undefined;
  let progress: QueueSnapshot['progress'];

  /**
   * The loop. It clears `loop` itself, in the same step as it finds nothing more to run: a task
   * added at that moment starts a new loop rather than joining one that is ending (a `.finally`
   * on the promise would run a microtask later and leave that task waiting).
   */
  async function runAll(): Promise<void> {
    try {
      startRateWindow(s, Date.now());
      const db = await ctx.storeReady().catch(() => undefined);
      while (db && canRun(s)) {
        const t = nextQueued(s);
        if (!t) break;
        await runTask(t, db);
        // Let rendering and input in between tasks.
        await new Promise((r) => setTimeout(r, 0));
      }
    } finally {
      loop = undefined;
      ctx.settleIdle();
    }
  }

  async function runTask(task: Task, db: QueueStore): Promise<void> {
    const r = startRun(s, task.id);
    if (!r) return;
    const ctrl = new AbortController();
    abort = ctrl;
    ctx.persist(s.tasks.get(task.id));
    ctx.changed();
    try {
      const original = await db.original(task.id);
      if (!runStep(s, r, { type: 'loaded' })) return;
      if (!original) {
        const e: WireError = { name: 'StorageUnavailable', message: 'original missing' };
        ctx.persist(taskFailed(s, task.id, e, Date.now())?.task);
        ctx.changed();
        return;
      }
      let out;
      try {
        out = await ctx.engine.removeBackground(original, {
          fileName: task.name,
          ...ctx.opts.removeOptions,
          maskPng: true,
          signal: ctrl.signal,
          onProgress: (code) => {
            if (!runLive(s, r)) return;
            progress = { id: task.id, code };
            ctx.changed();
          },
        });
      } catch (err) {
        if (!runLive(s, r)) return;
        const e = asJingjieError(err);
        if (e.name === 'AbortError') {
          ctx.update(task.id, { state: 'cancelled', finishedAt: Date.now() });
          return;
        }
        // Fails this photo alone, or halts the queue with the photo kept queued (the core decides).
        ctx.persist(taskFailed(s, task.id, e.toWire(), Date.now())?.task);
        ctx.changed();
        return;
      }
      if (!runStep(s, r, { type: 'inferred' })) return;
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
      try {
        // One transaction: the result and the `done` record land together or not at all.
        await db.finishTask(done, { png: out.blob, ...(out.maskPng ? { mask: out.maskPng } : {}) });
      } catch (err) {
        if (!s.tasks.has(task.id)) return;
        if (isQuotaError(err)) {
          // Nothing was written. Keep the photo queued and stop until space is freed.
          ctx.persist(taskOverQuota(s, task.id, undefined));
          ctx.stopForQuota();
          return;
        }
        ctx.update(task.id, {
          state: 'failed',
          error: asJingjieError(err, 'StorageUnavailable').toWire(),
          finishedAt: Date.now(),
        });
        return;
      }
      if (!s.tasks.has(task.id)) return; // removed while writing; its delete ran after our write
      taskDone(s, done, Date.now());
      ctx.changed();
    } finally {
      endRun(s, r);
      if (abort === ctrl) abort = undefined;
      if (progress?.id === task.id) progress = undefined;
    }
  }

  return {
    pump() {
      loop ??= runAll();
      return loop;
    },
    cancel(id) {
      const r = s.run;
      if (r?.id !== id || !runStep(s, r, { type: 'cancel' }, Date.now())) return false;
      abort?.abort();
      ctx.persist(s.tasks.get(id));
      ctx.changed();
      return true;
    },
    drop(id) {
      const r = s.run;
      if (!r || (id !== undefined && r.id !== id)) return;
      runStep(s, r, { type: 'drop' });
      abort?.abort();
    },
    progress: () => (progress && s.run?.id === progress.id ? progress : undefined),
  };
}
