// The one engine and the one batch queue (persistent, IndexedDB) the app uses.
import { createEngine, type Engine } from '../engine';
import { createQueue, type PersistentQueueApi } from '../features/queue/queue';

export const engine: Engine = createEngine();
export const queue: PersistentQueueApi = createQueue(engine);
