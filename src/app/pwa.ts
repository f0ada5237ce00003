// Service worker registration (production only): offline-ready and update events for the UI, and
// the one automatic reload that makes the page cross-origin isolated once the worker controls it.
// On a first visit the precache (app shell and onnxruntime's wasm) would download alongside the
// model and compete with it and with the first image: on a host that isolates the page itself,
// registration waits for the model load to settle and for no image to be processing. A page that
// is not isolated registers at once: the worker's isolation (threads) is worth more than the wait.
import { Workbox } from 'workbox-window';
import { engine } from './services';

const RELOAD_GUARD = 'jingjie.isolationReload';

export interface PwaHandlers {
  /** A new version is waiting; call `accept` when the user agrees to switch to it. */
  onUpdate(accept: () => void): void;
  onOfflineReady(): void;
  /** True while reloading would lose work (an image being processed). */
  isBusy(): boolean;
}

/** Reload once per tab session to get the isolation headers the service worker adds; never loops. */
function reloadForIsolation(isBusy: () => boolean): void {
  if (self.crossOriginIsolated || !navigator.serviceWorker.controller) return;
  try {
    if (sessionStorage.getItem(RELOAD_GUARD)) return;
  } catch {
    return; // Without sessionStorage we cannot guard against a loop: stay as we are.
  }
  const attempt = () => {
    if (isBusy()) return void setTimeout(attempt, 1500);
    sessionStorage.setItem(RELOAD_GUARD, String(Date.now()));
    location.reload();
  };
  attempt();
}

/** Resolves once the model load has settled (either way) and nothing is being processed. */
export async function whenQuiet(
  load: () => Promise<unknown>,
  isBusy: () => boolean,
  pollMs = 500,
): Promise<void> {
  await load().catch(() => undefined);
  while (isBusy()) await new Promise((r) => setTimeout(r, pollMs));
}

export function registerServiceWorker(h: PwaHandlers): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  // Already controlled (an earlier visit): the precache is there, nothing competes; register now.
  if (navigator.serviceWorker.controller || !self.crossOriginIsolated) register(h);
  else void whenQuiet(() => engine.load(), h.isBusy).then(() => register(h));
}

function register(h: PwaHandlers): void {
  const base = import.meta.env.BASE_URL;
  const wb = new Workbox(`${base}sw.js`, { scope: base });
  let userAccepted = false;
  wb.addEventListener('waiting', () => {
    h.onUpdate(() => {
      userAccepted = true;
      wb.messageSkipWaiting();
    });
  });
  wb.addEventListener('controlling', (e) => {
    if (e.isUpdate && userAccepted) location.reload();
    else if (!e.isUpdate) reloadForIsolation(h.isBusy);
  });
  wb.addEventListener('activated', (e) => {
    if (!e.isUpdate) h.onOfflineReady();
  });
  void wb.register().catch(() => undefined);
  // Already controlled (an earlier visit) but not isolated, e.g. the first page was loaded before the worker took over.
  reloadForIsolation(h.isBusy);
}
