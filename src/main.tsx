// Entry: starts the model load, exposes the engine API (and the page's queue) for automation
// (window.jingjie), then loads and mounts the app.
import { createEngine } from './engine';
import { catchEarlyFiles } from './features/input/early';
import { exposeQueue } from './features/queue/expose';
import { startEngine } from './app/engine-status';

// Before anything else: the worker, onnxruntime's wasm and the model download start now. The
// React app is a chunk of its own, imported below, so this entry stays small and the worker
// starts while the app's code is still arriving.
startEngine();
// A paste or drop before the app has mounted is kept for it (features/input/early.ts).
catchEarlyFiles();

declare global {
  interface Window {
    jingjie: { createEngine: typeof createEngine };
  }
}
window.jingjie = { createEngine };
exposeQueue();

void import('./app/mount').then(({ mount }) => mount(document.getElementById('root')!));
