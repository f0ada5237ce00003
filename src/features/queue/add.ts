// Adding images: each file becomes a task stored with its bytes (in submission order, within the
// quota), then pre-checked at once by the engine (empty, not an image, over a limit: refused
// before the model runs, even while it is still loading).

import { JingjieError, asJingjieError, type ErrorName } from '../../shared/errors';
import { isQuotaError as isQuota, requestPersistence } from '../../storage/quota';
import { refusesAdds, putTask, taskRefused } from './core';
import type { QueueContext } from './context';
import type { Task } from './types';

/** What the pre-check may fail a task with (anything else it throws is left to the job). */
const REFUSALS: ReadonlySet<ErrorName> = new Set([
  'EmptyFile',
  'NotAnImage',
  'UnsupportedFormat',
  'FileTooLarge',
  'TooManyPixels',
  'DecodeFailed',
]);
/** Files written per batch of IndexedDB transactions. */
const ADD_CHUNK = 16;

function newId(): string {
  // randomUUID needs a secure context; 127.0.0.1 and https have one, a LAN address does not.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x: number) => x.toString(16).padStart(2, '0')).join('');
}

/** `add(files)` for a queue: `run` is called once per stored task (the runner's pump). */
export function adder(ctx: QueueContext, run: () => void): (files: File[]) => Promise<Task[]> {
  const { s } = ctx;
  // Persistent storage is asked for once, on the first add (a user gesture is near).
  let askPersistence: (() => void) | undefined = () => void requestPersistence();

  function put(t: Task): void {
    if (!putTask(s, t)) ctx.namer.add(t.id, t.name);
    ctx.changed();
  }

  function precheck(task: Task, file: File, gen: number): void {
    const { engine } = ctx;
    if (!engine.check) return;
    const { maxBytes, maxPixels } = ctx.opts.removeOptions ?? {};
    engine.check(file, { fileName: task.name, maxBytes, maxPixels }).catch((err: unknown) => {
      const e = asJingjieError(err);
      if (!REFUSALS.has(e.name) || gen !== ctx.generation) return;
      const t = taskRefused(s, task.id, e.toWire(), Date.now());
      if (!t) return;
      ctx.persist(t);
      ctx.changed();
      ctx.settleIdle();
    });
  }

  return async function add(files: File[]): Promise<Task[]> {
    const db = await ctx.storeReady();
    if (ctx.opts.persist !== false) askPersistence?.();
    askPersistence = undefined;
    await ctx.recheckStorage();
    const refused = refusesAdds(s);
    if (refused === 'otherTab') throw new JingjieError('OtherTab', 'another tab runs the queue');
    if (refused === 'disposed') throw new JingjieError('StorageUnavailable', 'queue closed');
    const e = await ctx.estimate();
    const gen = ctx.generation;
    let planned = e?.usage ?? 0;
    const added: Task[] = [];
    let quotaHit = refused === 'quota';
    let otherError: unknown;

    for (let i = 0; i < files.length && !quotaHit; i += ADD_CHUNK) {
      const chunk = files.slice(i, i + ADD_CHUNK);
      const jobs: Promise<Task | undefined>[] = [];
      for (const file of chunk) {
        if (e && e.quota > 0 && planned + file.size > ctx.threshold * e.quota) {
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
              if (s.stops.has('disposed') || gen !== ctx.generation) return undefined;
              put(task);
              precheck(task, file, gen);
              run();
              return task;
            },
            (err: unknown) => {
              if (isQuota(err)) quotaHit = true;
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
      ctx.stopForQuota();
      throw new JingjieError('QuotaExceeded', 'storage full', detail);
    }
    if (otherError) {
      const err = asJingjieError(otherError, 'StorageUnavailable');
      err.detail = { ...err.detail, ...detail };
      throw err;
    }
    return added;
  };
}
