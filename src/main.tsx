// Entry: starts the model load, mounts the app and exposes the engine API (and the page's queue)
// for automation (window.jingjie).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createEngine } from './engine';
import { exposeQueue } from './features/queue/expose';
import { App } from './app/App';
import { ErrorBoundary } from './app/ErrorBoundary';
import { startEngine } from './app/engine-status';

// Before the first render: the worker, onnxruntime's wasm and the model download start now.
startEngine();

declare global {
  interface Window {
    jingjie: { createEngine: typeof createEngine };
  }
}
window.jingjie = { createEngine };
exposeQueue();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
