// Unit tests of the embeddable package's API (lib/index.ts) over a fake engine: the task queue's
// order, states, events and cancel, typed errors, and how `output` reaches the engine.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Engine } from '../../src/engine';
import { JingjieError } from '../../src/shared/errors';
import type { Preset } from '../../src/shared/presets';

/** Every job the fake engine was given, with the means to finish it. */
const jobs: { input: Blob; format?: string; finish(ok: boolean): void }[] = [];
const presented: Preset[] = [];

function fakeEngine(): Engine {
  return {
    load: async (onProgress) => {
      onProgress?.({ stage: 'download', loaded: 1, total: 2 });
      return { backend: 'wasm', threads: 1 } as Awaited<ReturnType<Engine['load']>>;
    },
    removeBackground: (input, opts = {}) =>
      new Promise((resolve, reject) => {
        opts.signal?.addEventListener('abort', () => reject(new JingjieError('AbortError', 'Cancelled')));
        jobs.push({
          input,
          format: opts.format,
          finish: (ok) =>
            ok
              ? resolve({ blob: new Blob(['cut'], { type: 'image/png' }) } as Awaited<
                  ReturnType<Engine['removeBackground']>
                >)
              : reject(new JingjieError('NotAnImage', 'not an image')),
        });
      }),
    present: async (_cutout, preset) => {
      presented.push(preset);
      return new Blob(['out'], { type: 'image/jpeg' });
    },
    dispose: async () => undefined,
  } as Engine;
}

vi.mock('../../src/engine', () => ({ createEngine: fakeEngine }));
const lib = await import('../../lib/index');

/** Resolves once the fake engine holds `n` jobs. */
async function jobCount(n: number): Promise<void> {
  await vi.waitFor(() => expect(jobs.length).toBe(n));
}

beforeEach(async () => {
  await lib.dispose();
  jobs.length = 0;
  presented.length = 0;
});

describe('lib task queue', () => {
  it('runs tasks one at a time in order, with states and events', async () => {
    const q = lib.createQueue();
    const events: string[] = [];
    for (const t of ['done', 'failed', 'cancelled'])
      q.addEventListener(t, (e) => events.push(`${t}:${(e as CustomEvent<{ id: string }>).detail.id}`));
    const a = q.submit(new Blob(['a']));
    const b = q.submit(new Blob(['b']));
    await jobCount(1);
    expect(q.status(a)).toEqual({ state: 'processing' });
    expect(q.status(b)).toEqual({ state: 'queued' });
    jobs[0].finish(false);
    await expect(q.result(a)).rejects.toMatchObject({ name: 'NotAnImage' });
    expect(q.status(a)).toEqual({ state: 'failed', error: 'NotAnImage' });
    await jobCount(2);
    jobs[1].finish(true);
    expect(await (await q.result(b)).text()).toBe('cut');
    expect(q.status(b)).toEqual({ state: 'done' });
    expect(events).toEqual(['failed:task-1', 'done:task-2']);
  });

  it('cancels a queued task at once and a running one through its signal', async () => {
    const q = lib.createQueue();
    const running = q.submit(new Blob(['a']));
    const queued = q.submit(new Blob(['b']));
    expect(q.cancel(queued)).toBe(true);
    expect(q.status(queued)).toEqual({ state: 'cancelled', error: 'AbortError' });
    await expect(q.result(queued)).rejects.toMatchObject({ name: 'AbortError' });
    await jobCount(1);
    expect(q.cancel(running)).toBe(true);
    await expect(q.result(running)).rejects.toMatchObject({ name: 'AbortError' });
    expect(q.status(running)?.state).toBe('cancelled');
    expect(q.cancel(running)).toBe(false);
    expect(jobs.length).toBe(1); // the cancelled queued task never reached the engine
  });
});

describe('lib removeBackground', () => {
  it('PNG comes straight from the job; JPEG goes through a preset of the format registry', async () => {
    const stages: string[] = [];
    const png = lib.removeBackground(new Blob(['x']), { onProgress: (s, f) => stages.push(`${s} ${f}`) });
    await jobCount(1);
    jobs[0].finish(true);
    expect((await png).type).toBe('image/png');
    expect(jobs[0].format).toBe('png');
    expect(presented).toEqual([]);
    expect(stages).toEqual(['download 0.5', 'process 0', 'done 1']);

    const jpeg = lib.removeBackground(new Blob(['x']), { output: { format: 'jpeg' } });
    await jobCount(2);
    jobs[1].finish(true);
    expect((await jpeg).type).toBe('image/jpeg');
    expect(presented[0]).toMatchObject({ format: 'jpeg', quality: 92, background: { kind: 'white' } });
  });

  it('an aborted signal and a bad input are typed errors', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(lib.removeBackground(new Blob(['x']), { signal: ac.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await expect(lib.removeBackground(42 as unknown as Blob)).rejects.toMatchObject({ name: 'NotAnImage' });
  });
});
