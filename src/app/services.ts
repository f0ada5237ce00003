// The one engine and the one batch queue (persistent, IndexedDB) the app uses. Files added to the
// queue start their pick → shown measure here (src/engine/timeline.ts).
import { createEngine, type Engine } from '../engine';
import { notePicked } from '../engine/timeline';
import { createQueue, type PersistentQueueApi } from '../features/queue/queue';
import { savedModel } from '../features/settings/model-choice';

// The model a person chose in the engine details, if any (else the manifest's default).
export const engine: Engine = createEngine({ preferVariant: savedModel() });
export const queue: PersistentQueueApi = createQueue(engine);

const add = queue.add.bind(queue);
queue.add = (files) => {
  // The pick/drop/paste handlers hand their files straight to add: this is when they arrived.
  const at = performance.now();
  return add(files).then((tasks) => {
    notePicked(
      tasks.map((t) => t.id),
      at,
    );
    return tasks;
  });
};
