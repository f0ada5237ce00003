// Automation hook for tests and benchmarks: `window.jingjie.queue` is the page's persistent queue
// (the one the app created, or one made by `window.jingjie.createQueue(engine)` when the app has
// none yet). main.tsx calls `exposeQueue()` right after it sets `window.jingjie`.

import type { Engine } from '../../engine';
import { createQueue, currentQueue, type PersistentQueueApi, type QueueOptions } from './queue';

/** The page's queue: the existing one if there is one (its engine and options win), else a new one. */
export function pageQueue(engine: Engine, opts?: QueueOptions): PersistentQueueApi {
  return currentQueue() ?? createQueue(engine, opts);
}

export function exposeQueue(): void {
  const w = window as unknown as { jingjie?: Record<string, unknown> };
  const j = (w.jingjie ??= {});
  j.createQueue = pageQueue;
  Object.defineProperty(j, 'queue', { get: currentQueue, configurable: true, enumerable: true });
}
