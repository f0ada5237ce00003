// Entry: mounts the app and exposes the engine API (and the page's queue) for automation (window.jingjie).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createEngine } from './engine';
import { exposeQueue } from './features/queue/expose';
import { App } from './app/App';
import { ErrorBoundary } from './app/ErrorBoundary';

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
