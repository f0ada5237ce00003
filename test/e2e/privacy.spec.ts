// Privacy proof: during a whole session (first load, model download, several photos processed,
// downloads, an offline reload) the browser sends no request to any origin but the app's.
// Three independent witnesses: every page request, every service-worker request, and a
// recording HTTP proxy that all of the context's traffic (documents, dedicated workers, the
// service worker) must pass through. The proxy forwards only to the app and refuses the rest, so
// nothing leaves this machine even if the app misbehaves. The app is served WITHOUT a CSP here
// (scripts/serve-static.mjs --isolate), so an attempt to reach another origin is not hidden by
// the policy: it reaches the proxy and fails the test.
import { test, expect, type Request } from '@playwright/test';
import { existsSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '../../scripts/serve-static.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const dist = resolve(repo, process.env.JINGJIE_DIST ?? 'dist');
// Two photos: a batch (one download of the selected result, one ZIP of all) is what is proved here.
const photos = ['chelsea.png', 'coffee.png'].map((f) => resolve(repo, 'test/fixtures/photos', f));

interface RecordingProxy {
  url: string;
  log: string[];
  refused: string[];
  close(): Promise<void>;
}

/** A forward proxy that passes requests for `appOrigin` through and refuses (and records) every other one. */
async function recordingProxy(appOrigin: string): Promise<RecordingProxy> {
  const log: string[] = [];
  const refused: string[] = [];
  const server: Server = createServer((req, res) => {
    const line = `${req.method} ${req.url}`;
    log.push(line);
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      refused.push(line);
      res.writeHead(400).end();
      return;
    }
    if (target.origin !== appOrigin) {
      refused.push(line);
      res.writeHead(502, { 'Content-Type': 'text/plain' }).end('refused by the privacy test proxy\n');
      return;
    }
    const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // HTTPS and WebSocket-over-TLS arrive as CONNECT: never tunnelled anywhere.
  server.on('connect', (req, socket) => {
    const line = `CONNECT ${req.url}`;
    log.push(line);
    refused.push(line);
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  server.on('upgrade', (req, socket) => {
    const line = `UPGRADE ${req.url}`;
    log.push(line);
    refused.push(line);
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    refused,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Local schemes never touch the network; everything else must be the app's origin. */
function foreign(url: string, appOrigin: string): boolean {
  if (/^(blob|data|about|chrome-extension|devtools):/i.test(url)) return false;
  try {
    return new URL(url).origin !== appOrigin;
  } catch {
    return true;
  }
}

test('a full session sends no request to any origin but the app’s', async ({ browser }) => {
  test.setTimeout(15 * 60_000);
  for (const f of ['index.html', 'sw.js', 'models/models.json'])
    if (!existsSync(resolve(dist, f)))
      throw new Error(`${dist} lacks ${f}: run npm run models && npm run build`);

  const app = await serveStatic({ root: dist, isolate: true });
  const proxy = await recordingProxy(app.url);
  const seen: string[] = [];
  const record = (via: string) => (r: Request) => seen.push(`${via} ${r.method()} ${r.url()}`);
  const context = await browser.newContext({
    proxy: { server: proxy.url },
    locale: 'en-US',
    acceptDownloads: true,
  });
  const t0 = Date.now();
  const step = (what: string) =>
    console.log(`privacy: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  try {
    // context 'request' also reports the service worker's own fetches (precache, models.json).
    context.on('request', record('context'));
    context.on('page', (p) => {
      p.on('request', record('page'));
      p.on('websocket', (ws) => seen.push(`page WEBSOCKET ${ws.url()}`));
    });
    // Headless Chromium cannot answer a save dialog: take the plain download path that browsers
    // without the File System Access API use (the zip is then a blob: download, still local).
    await context.addInitScript(() =>
      Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true }),
    );
    // The small model (a person's saved choice): what is proved here is where requests go, not pixels.
    await context.addInitScript(() => {
      if (!localStorage.getItem('jingjie.model')) localStorage.setItem('jingjie.model', 'isnet-uint8');
    });
    const page = await context.newPage();

    // First load and model download (the app starts the engine by itself).
    await page.goto(`${app.url}/`);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    await expect(page.getByTestId('engine-backend')).toBeAttached({ timeout: 8 * 60_000 });
    step('model ready');

    // Several photos through the UI.
    await page.getByTestId('file-input').setInputFiles(photos);
    await expect(page.getByTestId('task')).toHaveCount(photos.length);
    await expect(page.locator('[data-testid="task"][data-state="done"]')).toHaveCount(photos.length, {
      timeout: 8 * 60_000,
    });
    step(`${photos.length} photos done`);

    // Downloads: the selected result, then all of them as a zip.
    const [one] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
    expect(await one.failure()).toBeNull();
    const [all] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download all' }).click(),
    ]);
    expect(await all.failure()).toBeNull();
    expect(all.suggestedFilename()).toMatch(/\.zip$/);
    step('downloads done');

    // Offline reload: the service worker serves the app.
    await page.waitForFunction(() => !!navigator.serviceWorker?.controller, undefined, { timeout: 60_000 });
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByTestId('file-input')).toBeAttached();
    await context.setOffline(false);
    // A barrier instead of a pause: a request made now reaches the proxy after anything the page
    // had already sent, so once the proxy has logged it the logs below are complete.
    await page.evaluate(() => fetch(`/__privacy-barrier?${Date.now()}`).catch(() => undefined));
    await expect.poll(() => proxy.log.some((l) => l.includes('/__privacy-barrier'))).toBe(true);

    // The witnesses saw the session (a silent proxy would prove nothing) ...
    expect(
      proxy.log.some((l) => l.includes('/models/') && l.endsWith('.onnx')),
      'the model download went through the proxy',
    ).toBe(true);
    expect(seen.some((l) => l.includes('/assets/'))).toBe(true);
    // ... and nothing but the app's origin.
    expect(proxy.refused, 'requests the proxy refused').toEqual([]);
    expect(
      seen.filter((l) => foreign(l.split(' ').slice(2).join(' '), app.url)),
      'requests to another origin',
    ).toEqual([]);
    console.log(
      `privacy: ${seen.length} requests seen by the browser, ${proxy.log.length} by the proxy, all to ${app.url}`,
    );
  } finally {
    await context.close();
    await proxy.close();
    await app.close();
  }
});
