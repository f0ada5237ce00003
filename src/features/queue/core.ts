// The queue's state and every transition of it, as plain functions over plain data: no IndexedDB,
// no workers, no timers, no clock (callers pass `now`). queue.ts does the I/O around it and feeds
// it events; test/unit/queue-core.test.ts checks it alone. Read this file to know when the queue
// runs: exactly while `state.stops` is empty (see StopReason in types.ts for who adds and lifts
// each reason).

import type { ErrorName, WireError } from '../../shared/errors';
import type { Task, TaskState } from '../../shared/task';
import { STOP_REASONS, type QueueSnapshot, type QueueStats, type StopReason } from './types';

/** Errors that say the engine cannot run at all: the next image would fail the same way. */
const SYSTEMIC: ReadonlySet<ErrorName> = new Set([
  'ModelDownloadFailed',
  'ModelIntegrity',
  'WorkerNotStarted',
]);
/** This many RuntimeFailed in a row halt the queue too (the engine, not the photos, is broken). */
const RUNTIME_STREAK = 3;
/** Completions the rate (images per minute) is measured over. */
export const RATE_WINDOW = 20;

export interface CoreState {
  /** Every task by id; insertion order is submission (seq) order. */
  tasks: Map<string, Task>;
  counts: Record<TaskState, number>;
  /** Min-heap of queued tasks by seq; stale entries (no longer queued) are skipped on pop. */
  heap: { seq: number; id: string }[];
  nextSeq: number;
  stops: Set<StopReason>;
  /** Set with the `halted` stop. */
  halted?: WireError;
  /** Set with the `quota` stop, when measured. */
  storage?: { usage: number; quota: number };
  /** Start of the rate window, then completion times (done or failed), ms. */
  marks: number[];
  /** RuntimeFailed errors in a row. */
  runtimeStreak: number;
  /** The task being run, and how far it got (at most one at a time). */
  run?: Run;
  /** The user's last pause (true) or resume (false) by a call in this session; it outranks the
   * pause stored by an earlier session when storage is read again (start-up, a tab taking over). */
  pauseCall?: boolean;
}

export function createState(): CoreState {
  return {
    tasks: new Map(),
    counts: { queued: 0, processing: 0, done: 0, failed: 0, cancelled: 0 },
    heap: [],
    nextSeq: 1,
    stops: new Set(),
    marks: [],
    runtimeStreak: 0,
  };
}

// ---- stop reasons --------------------------------------------------------------------------

/** Adds a stop reason; returns whether the set changed. */
export function stop(s: CoreState, reason: StopReason): boolean {
  if (s.stops.has(reason)) return false;
  s.stops.add(reason);
  return true;
}

/** Lifts a stop reason (and what came with it); returns whether the set changed. */
export function lift(s: CoreState, reason: StopReason): boolean {
  if (reason === 'disposed' || !s.stops.has(reason)) return false;
  s.stops.delete(reason);
  if (reason === 'halted') {
    s.halted = undefined;
    s.runtimeStreak = 0;
  }
  if (reason === 'quota') s.storage = undefined;
  return true;
}

/** The user pauses (`on`) or resumes by a call; returns whether the set changed. */
export function userPause(s: CoreState, on: boolean): boolean {
  s.pauseCall = on;
  return on ? stop(s, 'user') : lift(s, 'user');
}

/** The runner may start the next task. */
export function canRun(s: CoreState): boolean {
  return s.stops.size === 0;
}

/** Why new images are refused right now, if they are: only these reasons stop adding. */
export function refusesAdds(s: CoreState): 'disposed' | 'otherTab' | 'quota' | undefined {
  if (s.stops.has('disposed')) return 'disposed';
  if (s.stops.has('otherTab')) return 'otherTab';
  if (s.stops.has('quota')) return 'quota';
  return undefined;
}

/** Storage is nearly full: at or above `threshold` of the quota (unknown counts as room). */
export function overQuota(e: { usage: number; quota: number } | undefined, threshold: number): boolean {
  return !!e && e.quota > 0 && e.usage >= threshold * e.quota;
}

// ---- tasks ---------------------------------------------------------------------------------

/** Puts a task (new or changed) and keeps the counts; queued tasks go on the heap. */
export function putTask(s: CoreState, t: Task): Task | undefined {
  const old = s.tasks.get(t.id);
  if (old) s.counts[old.state]--;
  s.counts[t.state]++;
  s.tasks.set(t.id, t);
  if (t.state === 'queued' && old?.state !== 'queued') heapPush(s.heap, t.seq, t.id);
  if (t.seq >= s.nextSeq) s.nextSeq = t.seq + 1;
  return old;
}

/** Applies a patch (an `undefined` value deletes the field); returns the new task. */
export function patchTask(s: CoreState, id: string, patch: Partial<Task>): Task | undefined {
  const old = s.tasks.get(id);
  if (!old) return undefined;
  const t: Task = { ...old, ...patch };
  for (const k of Object.keys(patch) as (keyof Task)[]) if (patch[k] === undefined) delete t[k];
  putTask(s, t);
  return t;
}

export function dropTask(s: CoreState, id: string): Task | undefined {
  const old = s.tasks.get(id);
  if (!old) return undefined;
  s.counts[old.state]--;
  s.tasks.delete(id);
  return old;
}

export function clearTasks(s: CoreState): void {
  s.tasks.clear();
  s.heap.length = 0;
  for (const k of Object.keys(s.counts) as TaskState[]) s.counts[k] = 0;
  s.marks = [];
}

/** A stored task as this tab reads it at start-up; `recover`: a task left processing is queued again. */
export function loadTask(s: CoreState, t: Task, recover: boolean): Task {
  const u = recover && t.state === 'processing' ? { ...t, state: 'queued' as const } : t;
  putTask(s, u);
  return u;
}

/** The queued task with the lowest seq, taken off the heap. */
export function nextQueued(s: CoreState): Task | undefined {
  for (;;) {
    const top = heapPop(s.heap);
    if (!top) return undefined;
    const t = s.tasks.get(top.id);
    if (t && t.state === 'queued' && t.seq === top.seq) return t;
  }
}

// ---- the run of one task -----------------------------------------------------------------------
//
// queued ──start──▶ loading (reading the original) ──loaded──▶ running (the engine) ──inferred──▶
// writing (the result and `done` in one transaction) ──▶ done | failed | queued again (quota, halt)
//
// `cancel` (the user) ends a loading or running task as cancelled; once writing it is too late.
// `drop` (removed, cleared, disposed) throws the run's outcome away in any phase. A dropped run's
// later steps are refused, so the runner's I/O never writes over what the user did meanwhile.

export type RunPhase = 'loading' | 'running' | 'writing' | 'dropped';

export interface Run {
  readonly id: string;
  phase: RunPhase;
}

export type RunEvent =
  | { type: 'loaded' } // the original was read
  | { type: 'inferred' } // the engine answered: the result is about to be written
  | { type: 'cancel' } // the user cancelled this task
  | { type: 'drop' }; // the task or the queue went away

const NEXT: Record<'loaded' | 'inferred', [from: RunPhase, to: RunPhase]> = {
  loaded: ['loading', 'running'],
  inferred: ['running', 'writing'],
};

/** queued → processing: the run of `id` starts in the loading phase. */
export function startRun(s: CoreState, id: string): Run | undefined {
  const task = patchTask(s, id, {
    state: 'processing',
    error: undefined,
    result: undefined,
    finishedAt: undefined,
  });
  if (!task) return undefined;
  s.run = { id, phase: 'loading' };
  return s.run;
}

/**
 * One step of the current run; returns whether it was taken. The caller stops the run when a
 * step is refused (it was cancelled or dropped meanwhile, or `r` is no longer the current run).
 */
export function runStep(s: CoreState, r: Run, ev: RunEvent, now = 0): boolean {
  if (s.run !== r || r.phase === 'dropped') return false;
  switch (ev.type) {
    case 'loaded':
    case 'inferred': {
      const [from, to] = NEXT[ev.type];
      if (r.phase !== from) return false;
      r.phase = to;
      return true;
    }
    case 'cancel':
      if (r.phase === 'writing') return false; // too late: the result is landing
      r.phase = 'dropped';
      patchTask(s, r.id, { state: 'cancelled', finishedAt: now });
      return true;
    case 'drop':
      r.phase = 'dropped';
      return true;
  }
}

/** Whether the run's outcome still counts (not cancelled, removed or cleared meanwhile). */
export function runLive(s: CoreState, r: Run): boolean {
  return s.run === r && r.phase !== 'dropped';
}

/** The run is over, whatever its outcome. */
export function endRun(s: CoreState, r: Run): void {
  if (s.run === r) s.run = undefined;
}

// ---- outcomes of a run ------------------------------------------------------------------------

export type FailureOutcome = { kind: 'fail'; task: Task } | { kind: 'halt'; task: Task };

/**
 * The engine threw for this task. A photo's own error fails it alone; an error that says the
 * engine cannot run at all keeps the photo queued and adds the `halted` stop.
 */
export function taskFailed(
  s: CoreState,
  id: string,
  err: WireError,
  now: number,
): FailureOutcome | undefined {
  s.runtimeStreak = err.name === 'RuntimeFailed' ? s.runtimeStreak + 1 : 0;
  if (SYSTEMIC.has(err.name) || s.runtimeStreak >= RUNTIME_STREAK) {
    s.runtimeStreak = 0;
    stop(s, 'halted');
    s.halted = err;
    const task = patchTask(s, id, { state: 'queued' });
    return task && { kind: 'halt', task };
  }
  const task = patchTask(s, id, { state: 'failed', error: err, finishedAt: now });
  if (task) markComplete(s, now);
  return task && { kind: 'fail', task };
}

/**
 * Refused before it ran (empty, not an image, over a limit: the page's pre-check): only a task
 * still waiting fails; the rate and the engine's failure streak are not touched.
 */
export function taskRefused(s: CoreState, id: string, err: WireError, now: number): Task | undefined {
  if (s.tasks.get(id)?.state !== 'queued') return undefined;
  return patchTask(s, id, { state: 'failed', error: err, finishedAt: now });
}

/** A result was stored. */
export function taskDone(s: CoreState, done: Task, now: number): void {
  s.runtimeStreak = 0;
  putTask(s, done);
  markComplete(s, now);
}

/** A result did not fit in storage: the task goes back to the queue and the `quota` stop is added. */
export function taskOverQuota(
  s: CoreState,
  id: string,
  storage: { usage: number; quota: number } | undefined,
): Task | undefined {
  stop(s, 'quota');
  s.storage = storage;
  return patchTask(s, id, { state: 'queued' });
}

// ---- rate ----------------------------------------------------------------------------------------

/** A new run of work: the rate counts from now. */
export function startRateWindow(s: CoreState, now: number): void {
  s.marks = [now];
}

export function markComplete(s: CoreState, now: number): void {
  if (s.marks.length === 0) s.marks.push(now);
  s.marks.push(now);
  if (s.marks.length > RATE_WINDOW + 1) s.marks = s.marks.slice(-RATE_WINDOW - 1);
}

export function stats(s: CoreState): QueueStats {
  const { counts, marks } = s;
  const remaining = counts.queued + counts.processing;
  let perMinute = 0;
  if (marks.length >= 2) {
    const span = marks[marks.length - 1] - marks[0];
    if (span > 0) perMinute = ((marks.length - 1) / span) * 60_000;
  }
  return {
    total: s.tasks.size,
    done: counts.done,
    failed: counts.failed,
    cancelled: counts.cancelled,
    queued: counts.queued,
    perMinute,
    etaMs: remaining === 0 ? 0 : perMinute > 0 ? (remaining / perMinute) * 60_000 : undefined,
  };
}

export function snapshotOf(s: CoreState): QueueSnapshot {
  return {
    tasks: Array.from(s.tasks.values()),
    paused: s.stops.has('user'),
    stops: STOP_REASONS.filter((r) => s.stops.has(r)),
    ...(s.halted ? { halted: s.halted } : {}),
    ...(s.storage && s.stops.has('quota') ? { storage: s.storage } : {}),
    stats: stats(s),
  };
}

// ---- the heap ------------------------------------------------------------------------------------

function heapPush(a: { seq: number; id: string }[], seq: number, id: string): void {
  a.push({ seq, id });
  let i = a.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (a[p].seq <= a[i].seq) break;
    [a[p], a[i]] = [a[i], a[p]];
    i = p;
  }
}

function heapPop(a: { seq: number; id: string }[]): { seq: number; id: string } | undefined {
  const top = a[0];
  const last = a.pop();
  if (top === undefined || last === undefined) return undefined;
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
