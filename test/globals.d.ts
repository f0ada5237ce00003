// What the app exposes on window for automation (src/main.tsx, src/features/queue/expose.ts),
// as seen by code that tests and benchmarks run inside the page.
import type { createEngine } from '../src/engine';
import type { pageQueue } from '../src/features/queue/expose';
import type { PersistentQueueApi } from '../src/features/queue/queue';

declare global {
  interface Window {
    jingjie: {
      createEngine: typeof createEngine;
      createQueue: typeof pageQueue;
      queue: PersistentQueueApi | undefined;
    };
  }
}
