// The queue's pure core (src/features/queue/core.ts): stop reasons as a set, task transitions,
// order and rate, with plain data only (no IndexedDB, no workers, no timers).
import { describe, expect, it } from 'vitest';
import {
  canRun,
  createState,
  endRun,
  runLive,
  runStep,
  startRun,
  lift,
  loadTask,
  nextQueued,
  overQuota,
  patchTask,
  putTask,
  refusesAdds,
  snapshotOf,
  stats,
  stop,
  taskDone,
  taskFailed,
  taskOverQuota,
  userPause,
  type CoreState,
} from '../../src/features/queue/core';
import type { Task } from '../../src/shared/task';

const task = (seq: number, state: Task['state'] = 'queued'): Task => ({
  id: `t${seq}`,
  name: `p${seq}.png`,
  size: 1,
  type: 'image/png',
  createdAt: 0,
  seq,
  state,
});

function withTasks(n: number): CoreState {
  const s = createState();
  for (let i = 1; i <= n; i++) putTask(s, task(i));
  return s;
}

describe('queue core: stop reasons', () => {
  it('runs while the set is empty; each reason lifts on its own', () => {
    const s = createState();
    expect(canRun(s)).toBe(true);
    stop(s, 'user');
    stop(s, 'quota');
    expect(canRun(s)).toBe(false);
    expect(snapshotOf(s).stops).toEqual(['quota', 'user']);
    expect(snapshotOf(s).paused).toBe(true);
    lift(s, 'quota');
    expect(canRun(s)).toBe(false); // the pause still holds
    lift(s, 'user');
    expect(canRun(s)).toBe(true);
  });

  it('a pause or resume by call is kept, so it outranks the stored one', () => {
    const s = createState();
    expect(s.pauseCall).toBeUndefined();
    expect(userPause(s, true)).toBe(true);
    expect(userPause(s, true)).toBe(false);
    expect(s.pauseCall).toBe(true);
    expect(snapshotOf(s).stops).toEqual(['user']);
    expect(userPause(s, false)).toBe(true);
    expect(s.pauseCall).toBe(false);
    expect(canRun(s)).toBe(true);
  });

  it('a full disk adds only `quota`: never `user`, so freeing space is the whole way out', () => {
    const s = withTasks(2);
    const t = nextQueued(s)!;
    patchTask(s, t.id, { state: 'processing' });
    taskOverQuota(s, t.id, { usage: 99, quota: 100 });
    expect(snapshotOf(s)).toMatchObject({
      stops: ['quota'],
      paused: false,
      storage: { usage: 99, quota: 100 },
    });
    expect(s.tasks.get(t.id)?.state).toBe('queued');
    expect(refusesAdds(s)).toBe('quota');
    lift(s, 'quota');
    expect(canRun(s)).toBe(true);
    expect(snapshotOf(s).storage).toBeUndefined();
    // The requeued task runs first again.
    expect(nextQueued(s)?.id).toBe(t.id);
  });

  it('disposed is final; another tab refuses adds before quota does', () => {
    const s = createState();
    stop(s, 'disposed');
    expect(lift(s, 'disposed')).toBe(false);
    expect(canRun(s)).toBe(false);
    const o = createState();
    stop(o, 'quota');
    stop(o, 'otherTab');
    expect(refusesAdds(o)).toBe('otherTab');
    expect(refusesAdds(createState())).toBeUndefined();
    stop(o, 'user');
    stop(o, 'halted');
    lift(o, 'otherTab');
    lift(o, 'quota');
    expect(refusesAdds(o)).toBeUndefined(); // a pause or a halt still takes new photos
  });

  it('overQuota: at the threshold; unknown usage or quota counts as room', () => {
    expect(overQuota({ usage: 95, quota: 100 }, 0.95)).toBe(true);
    expect(overQuota({ usage: 94, quota: 100 }, 0.95)).toBe(false);
    expect(overQuota(undefined, 0.95)).toBe(false);
    expect(overQuota({ usage: 5, quota: 0 }, 0.95)).toBe(false);
  });
});

describe('queue core: outcomes', () => {
  it("a photo's own error fails it alone", () => {
    const s = withTasks(2);
    const t = nextQueued(s)!;
    expect(taskFailed(s, t.id, { name: 'DecodeFailed', message: '' }, 5)?.kind).toBe('fail');
    expect(s.tasks.get(t.id)).toMatchObject({
      state: 'failed',
      finishedAt: 5,
      error: { name: 'DecodeFailed' },
    });
    expect(canRun(s)).toBe(true);
    expect(stats(s)).toMatchObject({ total: 2, failed: 1, queued: 1 });
  });

  it('an engine that cannot run halts with the photo kept queued; retry lifts it', () => {
    const s = withTasks(1);
    const t = nextQueued(s)!;
    patchTask(s, t.id, { state: 'processing' });
    expect(taskFailed(s, t.id, { name: 'ModelDownloadFailed', message: '' }, 1)?.kind).toBe('halt');
    expect(snapshotOf(s)).toMatchObject({ stops: ['halted'], halted: { name: 'ModelDownloadFailed' } });
    expect(s.tasks.get(t.id)?.state).toBe('queued');
    lift(s, 'halted');
    expect(snapshotOf(s).halted).toBeUndefined();
    expect(nextQueued(s)?.id).toBe(t.id);
  });

  it('a worker that never started halts too', () => {
    const s = withTasks(1);
    const t = nextQueued(s)!;
    patchTask(s, t.id, { state: 'processing' });
    expect(taskFailed(s, t.id, { name: 'WorkerNotStarted', message: '' }, 1)?.kind).toBe('halt');
    expect(s.tasks.get(t.id)?.state).toBe('queued');
  });

  it('three RuntimeFailed in a row halt; a success in between resets the count', () => {
    const s = withTasks(6);
    const rf = { name: 'RuntimeFailed' as const, message: '' };
    expect(taskFailed(s, nextQueued(s)!.id, rf, 1)?.kind).toBe('fail');
    expect(taskFailed(s, nextQueued(s)!.id, rf, 2)?.kind).toBe('fail');
    const ok = nextQueued(s)!;
    taskDone(s, { ...ok, state: 'done' }, 3);
    expect(taskFailed(s, nextQueued(s)!.id, rf, 4)?.kind).toBe('fail');
    expect(taskFailed(s, nextQueued(s)!.id, rf, 5)?.kind).toBe('fail');
    expect(taskFailed(s, nextQueued(s)!.id, rf, 6)?.kind).toBe('halt');
  });

  it('a worker that crashed or hung fails that photo, not the queue', () => {
    const s = withTasks(2);
    expect(taskFailed(s, nextQueued(s)!.id, { name: 'WorkerCrashed', message: '' }, 1)?.kind).toBe('fail');
    expect(taskFailed(s, nextQueued(s)!.id, { name: 'WorkerHung', message: '' }, 2)?.kind).toBe('fail');
    expect(canRun(s)).toBe(true);
  });
});

describe('queue core: order, recovery and rate', () => {
  it('runs in seq order whatever the insertion order; retried tasks rejoin by seq', () => {
    const s = createState();
    for (const q of [3, 1, 2]) putTask(s, task(q));
    expect(nextQueued(s)?.seq).toBe(1);
    const two = nextQueued(s)!;
    patchTask(s, two.id, { state: 'failed' });
    patchTask(s, two.id, { state: 'queued' });
    expect(nextQueued(s)?.seq).toBe(2);
    expect(nextQueued(s)?.seq).toBe(3);
    expect(nextQueued(s)).toBeUndefined();
    expect(s.nextSeq).toBe(4);
  });

  it('a task left processing is requeued only by the tab that runs the queue', () => {
    const s = createState();
    expect(loadTask(s, task(1, 'processing'), false).state).toBe('processing');
    const r = createState();
    expect(loadTask(r, task(1, 'processing'), true).state).toBe('queued');
    expect(nextQueued(r)?.seq).toBe(1);
  });

  it('rate and time left come from the recent completions', () => {
    const s = withTasks(4);
    s.marks = [0];
    for (const now of [1000, 2000]) taskDone(s, { ...nextQueued(s)!, state: 'done' }, now);
    const st = stats(s);
    expect(st.perMinute).toBeCloseTo(60);
    expect(st.etaMs).toBeCloseTo(2000);
  });
});

describe('queue core: the run phases of a task', () => {
  it('queued → loading → running → writing → done, each step once and in order', () => {
    const s = withTasks(1);
    const t = nextQueued(s)!;
    const r = startRun(s, t.id)!;
    expect(s.tasks.get(t.id)!.state).toBe('processing');
    expect(r.phase).toBe('loading');
    expect(runStep(s, r, { type: 'inferred' })).toBe(false); // not before it is loaded
    expect(runStep(s, r, { type: 'loaded' })).toBe(true);
    expect(r.phase).toBe('running');
    expect(runStep(s, r, { type: 'loaded' })).toBe(false);
    expect(runStep(s, r, { type: 'inferred' })).toBe(true);
    expect(r.phase).toBe('writing');
    taskDone(s, { ...s.tasks.get(t.id)!, state: 'done' }, 10);
    endRun(s, r);
    expect(s.run).toBeUndefined();
    expect(s.counts).toMatchObject({ done: 1, processing: 0 });
  });

  it('cancel ends a loading or running task as cancelled; while writing it is too late', () => {
    for (const steps of [[], ['loaded']] as const) {
      const s = withTasks(1);
      const r = startRun(s, nextQueued(s)!.id)!;
      for (const e of steps) runStep(s, r, { type: e });
      expect(runStep(s, r, { type: 'cancel' }, 5)).toBe(true);
      expect(s.tasks.get(r.id)).toMatchObject({ state: 'cancelled', finishedAt: 5 });
      expect(runLive(s, r)).toBe(false);
      // The runner's next step is refused: its outcome is thrown away.
      expect(runStep(s, r, { type: steps.length ? 'inferred' : 'loaded' })).toBe(false);
    }
    const s = withTasks(1);
    const r = startRun(s, nextQueued(s)!.id)!;
    runStep(s, r, { type: 'loaded' });
    runStep(s, r, { type: 'inferred' });
    expect(runStep(s, r, { type: 'cancel' })).toBe(false);
    expect(s.tasks.get(r.id)!.state).toBe('processing');
    expect(runLive(s, r)).toBe(true);
  });

  it('drop (removed, cleared, disposed) throws the outcome away in any phase, writing too', () => {
    const s = withTasks(1);
    const r = startRun(s, nextQueued(s)!.id)!;
    runStep(s, r, { type: 'loaded' });
    runStep(s, r, { type: 'inferred' });
    expect(runStep(s, r, { type: 'drop' })).toBe(true);
    expect(runLive(s, r)).toBe(false);
    endRun(s, r);
    // A run that ended is no longer the current one: nothing it says is taken.
    expect(runStep(s, r, { type: 'drop' })).toBe(false);
  });
});
