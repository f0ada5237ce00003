// In-memory stand-in for the batch queue (QueueApi), used until the persistent queue lands:
// no IndexedDB, no ZIP — results live only as long as the page.
import type { Engine } from '../../engine';
import { asJingjieError } from '../../shared/errors';
import type { QueueApi, QueueSnapshot, StorageInfo, Task } from './types';

interface Entry {
  task: Task;
  file: File;
  result?: Blob;
  mask?: Blob;
  abort?: AbortController;
}

export function resultName(task: Pick<Task, 'name'>, ext = 'png'): string {
  const base = task.name.replace(/\.[^./\\]+$/, '') || 'image';
  return `${base}-nobg.${ext}`;
}

export function createMemoryQueue(engine: Engine): QueueApi {
  const entries = new Map<string, Entry>();
  const listeners = new Set<(s: QueueSnapshot) => void>();
  let seq = 0;
  let paused = false;
  let running = false;
  let snap: QueueSnapshot = build();

  function build(): QueueSnapshot {
    const tasks = [...entries.values()].map((e) => ({ ...e.task })).sort((a, b) => a.seq - b.seq);
    const count = (s: Task['state']) => tasks.filter((t) => t.state === s).length;
    const done = tasks.filter((t) => t.state === 'done' && t.result);
    const avg = done.length ? done.reduce((s, t) => s + t.result!.timings.total, 0) / done.length : 0;
    const queued = count('queued') + count('processing');
    return {
      tasks,
      paused,
      stats: {
        total: tasks.length,
        done: count('done'),
        failed: count('failed'),
        cancelled: count('cancelled'),
        queued: count('queued'),
        perMinute: avg ? 60_000 / avg : 0,
        etaMs: avg ? avg * queued : undefined,
      },
    };
  }
  function emit() {
    snap = build();
    for (const l of listeners) l(snap);
  }

  async function pump() {
    if (running) return;
    running = true;
    try {
      for (;;) {
        if (paused) break;
        const next = [...entries.values()]
          .filter((e) => e.task.state === 'queued')
          .sort((a, b) => a.task.seq - b.task.seq)[0];
        if (!next) break;
        next.task.state = 'processing';
        next.abort = new AbortController();
        emit();
        try {
          const r = await engine.removeBackground(next.file, {
            fileName: next.task.name,
            maskPng: true,
            signal: next.abort.signal,
          });
          if (!entries.has(next.task.id) || next.task.state !== 'processing') continue;
          next.result = r.blob;
          next.mask = r.maskPng;
          next.task.state = 'done';
          next.task.result = {
            width: r.width,
            height: r.height,
            bytes: r.blob.size,
            backend: r.backend,
            variant: r.variant,
            timings: r.timings,
            notice: r.notice,
            edgeFocus: r.edgeFocus,
            notes: r.notes,
            originalWidth: r.originalWidth,
            originalHeight: r.originalHeight,
          };
        } catch (err) {
          const e = asJingjieError(err);
          if (next.task.state === 'processing') {
            next.task.state = e.name === 'AbortError' ? 'cancelled' : 'failed';
            if (e.name !== 'AbortError') next.task.error = e.toWire();
          }
        } finally {
          next.task.finishedAt = Date.now();
          next.abort = undefined;
          emit();
        }
      }
    } finally {
      running = false;
    }
  }

  return {
    async add(files) {
      const tasks = files.map((file) => {
        const task: Task = {
          id: crypto.randomUUID(),
          name: file.name || `pasted-${Date.now()}.png`,
          size: file.size,
          type: file.type,
          createdAt: Date.now(),
          seq: ++seq,
          state: 'queued',
        };
        entries.set(task.id, { task, file });
        return { ...task };
      });
      emit();
      void pump();
      return tasks;
    },
    subscribe(listener) {
      listeners.add(listener);
      listener(snap);
      return () => listeners.delete(listener);
    },
    snapshot: () => snap,
    async cancel(id) {
      const e = entries.get(id);
      if (!e || (e.task.state !== 'queued' && e.task.state !== 'processing')) return;
      e.task.state = 'cancelled';
      e.abort?.abort();
      emit();
    },
    async retry(id) {
      const e = entries.get(id);
      if (!e || (e.task.state !== 'failed' && e.task.state !== 'cancelled')) return;
      e.task.state = 'queued';
      e.task.error = undefined;
      e.task.seq = ++seq;
      emit();
      void pump();
    },
    async remove(id) {
      entries.get(id)?.abort?.abort();
      entries.delete(id);
      emit();
    },
    async clearAll() {
      for (const e of entries.values()) e.abort?.abort();
      entries.clear();
      emit();
    },
    pause() {
      paused = true;
      emit();
    },
    resume() {
      paused = false;
      emit();
      void pump();
    },
    original: async (id) => entries.get(id)?.file,
    result: async (id) => entries.get(id)?.result,
    mask: async (id) => entries.get(id)?.mask,
    resultName: (task, ext) => resultName(task, ext),
    async exportZip(ids) {
      // Stand-in: one download per result instead of a ZIP.
      for (const e of entries.values()) {
        if (e.task.state !== 'done' || !e.result || (ids && !ids.includes(e.task.id))) continue;
        const a = document.createElement('a');
        a.href = URL.createObjectURL(e.result);
        a.download = resultName(e.task);
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      }
    },
    async storage(): Promise<StorageInfo> {
      const est = await navigator.storage?.estimate?.().catch(() => undefined);
      const persisted = (await navigator.storage?.persisted?.().catch(() => false)) ?? false;
      return { usage: est?.usage ?? 0, quota: est?.quota ?? 0, persisted };
    },
  };
}
