// The cross-engine tier's server: dist/ as a configured host serves it (COOP/COEP, scripts/
// serve-static.mjs), on two origins, with a test script the page runs first when a URL asks for it
// (every engine's driver can load a URL; not every one can add an init script), and a switch that
// takes the network away (the offline check: the service worker must answer).
import { createServer, request, type Server } from 'node:http';
import { serveStatic } from '../../scripts/serve-static.mjs';
import { standInEngineScript } from '../support/stand-in-engine';

/**
 * Runs first in a page opened with `?jjtest` (`?jjtest=standin`: also the stand-in engine):
 * the app's own engine loads the small uint8 model, and downloads are captured instead of saved
 * (window.__jjDownloads), with the blob path taken where the page has a save picker too.
 */
function testScript(standIn: boolean): string {
  return `${standIn ? standInEngineScript(50) : ''}
try { localStorage.setItem('jingjie.model', 'isnet-uint8'); } catch {}
window.__jjSaveFilePicker = typeof window.showSaveFilePicker === 'function';
window.showSaveFilePicker = undefined;
// Every model download percentage the page shows.
window.__jjProgress = [];
new MutationObserver(() => {
  const bar = document.querySelector('[data-testid="model-progress"] [role="progressbar"]');
  const v = bar && bar.getAttribute('aria-valuenow');
  if (v !== null && v !== undefined && window.__jjProgress[window.__jjProgress.length - 1] !== Number(v)) window.__jjProgress.push(Number(v));
}).observe(document, { subtree: true, childList: true, attributes: true });
window.__jjDownloads = [];
window.__jjErrors = [];
// A worker's errors too (an engine that restarts its worker says only that it is not loaded).
const W = window.Worker;
window.Worker = class extends W {
  constructor(u, o) {
    super(u, o);
    this.addEventListener('error', (e) => window.__jjErrors.push('worker ' + ((o && o.name) || '') + ': ' + e.message + ' ' + (e.filename || '') + ':' + (e.lineno || '')));
    this.addEventListener('messageerror', () => window.__jjErrors.push('worker messageerror'));
    // When each worker was made and first answered (a timeout report tells a worker that never
    // started from one that stopped).
    const rec = { name: (o && o.name) || String(u).split('/').pop(), madeAt: Math.round(performance.now()), firstAnswerAt: null };
    (window.__jjWorkers ??= []).push(rec);
    this.addEventListener('message', () => { rec.firstAnswerAt ??= Math.round(performance.now()); });
  }
};
addEventListener('error', (e) => window.__jjErrors.push(String(e.message)));
addEventListener('unhandledrejection', (e) => window.__jjErrors.push(String(e.reason && (e.reason.name + ': ' + e.reason.message))));
const click = HTMLAnchorElement.prototype.click;
HTMLAnchorElement.prototype.click = function () {
  if (!this.download || !this.href.startsWith('blob:')) return click.call(this);
  const name = this.download;
  fetch(this.href).then((r) => r.arrayBuffer()).then((b) => {
    const u = new Uint8Array(b);
    window.__jjDownloads.push({ name, size: u.length, head: Array.from(u.subarray(0, 4)) });
  });
};
`;
}

export interface TestServer {
  /** The origin where the real engine, the model cache and the service worker are tested. */
  app: string;
  /** A second origin for stand-in pages (its pages are never served by the first one's service worker). */
  standIn: string;
  /** false: every request fails as if the network were gone. */
  setOnline(on: boolean): void;
  close(): Promise<void>;
}

/** Requests not yet answered in full, by when they came (the timeout report of a check names them). */
const inFlight = new Map<object, { url: string; since: number }>();
/** The last requests whose connection closed before their response was complete. */
const cutShort: string[] = [];

/** The requests open for over `ms` (`GET :port/path (12 s)`, oldest first), then those cut short. */
export function openRequests(ms = 5000): string[] {
  const now = Date.now();
  return [
    ...[...inFlight.values()]
      .filter((r) => now - r.since > ms)
      .sort((a, b) => a.since - b.since)
      .map((r) => `${r.url} (${((now - r.since) / 1000).toFixed(0)} s)`),
    ...cutShort.map((c) => `${c} (cut short)`),
  ];
}

export async function startServer(root: string): Promise<TestServer> {
  const upstream = await serveStatic({ root, isolate: true });
  let online = true;
  // `standin`: the second origin injects the stand-in into every index.html it serves, also the
  // one its service worker precaches, so a page the worker answers has the stand-in too.
  const handler =
    (defaultMode: string | null) =>
    (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      if (!online) return void req.socket.destroy();
      const key = {};
      inFlight.set(key, { url: `${req.method} :${req.socket.localPort}${req.url}`, since: Date.now() });
      res.on('close', () => {
        inFlight.delete(key);
        if (res.writableFinished) return;
        cutShort.push(
          `${req.method} :${req.socket.localPort}${req.url} after ${res.socket?.bytesWritten ?? '?'} B`,
        );
        if (cutShort.length > 4) cutShort.shift();
      });
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/__jj-test.js') {
        res.writeHead(200, {
          'Content-Type': 'text/javascript',
          'Cross-Origin-Resource-Policy': 'same-origin',
        });
        return void res.end(testScript(url.searchParams.get('mode') === 'standin'));
      }
      const mode = url.searchParams.get('jjtest') ?? defaultMode;
      const inject = mode !== null && (url.pathname === '/' || url.pathname === '/index.html');
      const headers = { ...req.headers };
      if (inject) delete headers['accept-encoding'];
      const up = request(`${upstream.url}${req.url}`, { method: req.method, headers }, (r) => {
        if (!inject || r.statusCode !== 200) {
          res.writeHead(r.statusCode ?? 502, r.headers);
          return void r.pipe(res);
        }
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => {
          const html = Buffer.concat(chunks)
            .toString('utf8')
            .replace(
              '<head>',
              `<head><script src="/__jj-test.js?mode=${encodeURIComponent(mode)}"></script>`,
            );
          const h = { ...r.headers };
          delete h['content-length'];
          delete h.etag;
          res.writeHead(200, h);
          res.end(html);
        });
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
  const listen = (s: Server) =>
    new Promise<string>((ok) =>
      s.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${(s.address() as { port: number }).port}`)),
    );
  const a = createServer(handler(null));
  const b = createServer(handler('standin'));
  const app = await listen(a);
  // A different port is a different origin: its own storage and service worker.
  const standIn = await listen(b);
  return {
    app,
    standIn,
    setOnline: (on) => void (online = on),
    close: async () => {
      for (const s of [a, b]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
      await upstream.close();
    },
  };
}
