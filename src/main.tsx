// Entry: mounts the app and exposes the engine API for automation (window.jingjie).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createEngine } from './engine';
import { App } from './app/App';

declare global {
  interface Window {
    jingjie: { createEngine: typeof createEngine };
  }
}
window.jingjie = { createEngine };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
