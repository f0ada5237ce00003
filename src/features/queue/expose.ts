// Test and automation hook: `window.jingjie.createQueue(engine)` returns the app's one queue and
// `window.jingjie.queue` is that queue once it exists. Call `exposeQueue()` after main.tsx sets
// `window.jingjie`; the app gets its queue from `appQueue()` so tests and UI share one instance.

import type { Engine } from '../../engine';
import { createQueue, type PersistentQueueApi, type QueueOptions } from './queue';

let shared: PersistentQueueApi | undefined;

/** The page's single queue (created on first call; later calls return it and ignore their arguments). */
export function appQueue(engine: Engine, opts?: QueueOptions): PersistentQueueApi {
  shared ??= createQueue(engine, opts);
  return shared;
}

export function exposeQueue(): void {
  const w = window as unknown as { jingjie?: Record<string, unknown> };
  const j = (w.jingjie ??= {});
  j.createQueue = appQueue;
  Object.defineProperty(j, 'queue', { get: () => shared, configurable: true, enumerable: true });
}
