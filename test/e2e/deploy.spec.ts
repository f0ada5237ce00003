// Deployment checks on the production build (dist/): the app behind the real nginx config
// (deploy/nginx.conf), and on a plain static host without headers where the service worker has
// to make the page cross-origin isolated. Each group starts its own server on 127.0.0.1.
// Needs `npm run build` (with `npm run models`) first; JINGJIE_DIST points at another build.
import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNginx, startNginx } from '../../scripts/nginx-test.mjs';
import { serveStatic } from '../../scripts/serve-static.mjs';
import { waitForModelStored } from './helpers/page';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const dist = resolve(repo, process.env.JINGJIE_DIST ?? 'dist');
const photo = resolve(repo, 'test/fixtures/photos/chelsea.png');
// The small model keeps the suite quick on two cores; the path is the same for every variant.
const variant = process.env.JINGJIE_E2E_VARIANT ?? 'isnet-uint8';

test.describe.configure({ timeout: 10 * 60_000 });

function assertBuilt(): void {
  const missing = ['index.html', 'sw.js', 'models/models.json'].filter((f) => !existsSync(resolve(dist, f)));
  if (missing.length)
    throw new Error(`${dist} lacks ${missing.join(', ')}: run npm run models && npm run build`);
}

/** The CSP string nginx sends, read from the config the container ships. */
export function nginxCsp(): string {
  const conf = readFileSync(resolve(repo, 'deploy/nginx/security-headers.conf'), 'utf8');
  const m = /add_header Content-Security-Policy "([^"]+)" always;/.exec(conf);
  if (!m) throw new Error('no CSP in deploy/nginx/security-headers.conf');
  return m[1];
}

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name, values]),
  );
}

// ---------------------------------------------------------------------------------------------
// Browser helpers shared by the groups below.

interface Processed {
  width: number;
  height: number;
  type: string;
  size: number;
  backend: string;
  threads: number;
  isolated: boolean;
  modelFrom: string;
}

/** The app's own engine has its session (its `jj:session` mark): the page has settled. */
async function appStarted(page: Page): Promise<void> {
  await page.waitForFunction(() => performance.getEntriesByName('jj:session', 'mark').length > 0, undefined, {
    timeout: 150_000,
  });
}

/**
 * Runs one photo through the app's own engine (`window.jingjie.queue.engine`, the one the app
 * started on opening, with the variant newContext chose), waiting for its load (the model download
 * on a first visit). One engine per page: a second one would download and start a second model.
 */
async function processPhoto(page: Page, file = photo): Promise<Processed> {
  const b64 = readFileSync(file).toString('base64');
  await page.waitForFunction(() => !!window.jingjie?.queue, undefined, { timeout: 60_000 });
  const r = await page.evaluate(async (data) => {
    const eng = window.jingjie.queue!.engine;
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const info = await eng.load();
    const r = await eng.removeBackground(new Blob([bytes], { type: 'image/png' }));
    return {
      width: r.width,
      height: r.height,
      type: r.blob.type,
      size: r.blob.size,
      backend: r.backend,
      variant: r.variant,
      threads: info.threads,
      isolated: info.crossOriginIsolated,
      modelFrom: info.modelFrom,
    };
  }, b64);
  const { variant: ran, ...rest } = r;
  expect(ran, 'the variant newContext chose').toBe(variant);
  return rest;
}

/**
 * Collects every Content Security Policy violation in a context: `securitypolicyviolation` events
 * in documents, dedicated workers and service workers, the console's CSP errors, and Chromium's
 * ContentSecurityPolicyIssue reports.
 */
async function watchCsp(context: BrowserContext): Promise<string[]> {
  const seen: string[] = [];
  const isCsp = (t: string) => /Content Security Policy|\[csp-violation\]/i.test(t);
  const listen = () =>
    self.addEventListener('securitypolicyviolation', (e) =>
      console.error(
        `[csp-violation] ${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`,
      ),
    );
  await context.addInitScript(listen);
  const hookWorker = (w: {
    url(): string;
    evaluate: Page['evaluate'];
    on(e: 'console', f: (m: { text(): string }) => void): unknown;
  }) => {
    void w.evaluate(listen).catch(() => undefined);
    w.on('console', (m) => isCsp(m.text()) && seen.push(`worker ${w.url()}: ${m.text()}`));
  };
  const hookPage = async (p: Page) => {
    p.on('console', (m) => isCsp(m.text()) && seen.push(`page: ${m.text()}`));
    p.on('worker', hookWorker);
    const cdp = await context.newCDPSession(p);
    cdp.on('Audits.issueAdded', ({ issue }) => {
      if (issue.code === 'ContentSecurityPolicyIssue') seen.push(`issue: ${JSON.stringify(issue.details)}`);
    });
    await cdp.send('Audits.enable');
  };
  context.on('page', (p) => void hookPage(p));
  context.on('serviceworker', hookWorker);
  for (const p of context.pages()) await hookPage(p);
  return seen;
}

/** Counts top-level navigations (document requests of the main frame, also those a service worker answers). */
function countNavigations(page: Page): { readonly count: number } {
  const c = { count: 0 };
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) c.count++;
  });
  return c;
}

async function isolated(page: Page): Promise<boolean> {
  return page.evaluate(() => self.crossOriginIsolated).catch(() => false); // false while navigating
}

async function waitForServiceWorkerControl(page: Page): Promise<void> {
  await page.waitForFunction(() => !!navigator.serviceWorker?.controller, undefined, { timeout: 60_000 });
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
}

async function newContext(
  browser: Browser,
  opts: Parameters<Browser['newContext']>[0] = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: 'en-US', ...opts });
  // The app's own engine loads `variant` (a person's saved model choice), so each page downloads
  // and starts one model, the small one.
  await context.addInitScript((v) => {
    if (!localStorage.getItem('jingjie.model')) localStorage.setItem('jingjie.model', v);
  }, variant);
  return context;
}

// ---------------------------------------------------------------------------------------------

// WebKit runs a module worker's main script again when a lazy chunk imports from it (two copies
// of the worker's modules, one without the model: vite.config.ts), so no chunk may import a worker
// entry. The build is the place to check it: which chunk holds what is the bundler's choice.
test('no chunk of the build imports from a worker entry (the app and the package)', () => {
  assertBuilt();
  // dist-lib/ is there when npm test built the package (npm run build:lib).
  const builds = [dist, resolve(repo, 'dist-lib')].filter((d) => existsSync(resolve(d, 'assets')));
  for (const build of builds) {
    const assets = resolve(build, 'assets');
    const files = readdirSync(assets).filter((f) => f.endsWith('.js'));
    const entries = files.filter((f) => /\.worker-[\w-]+\.js$/.test(f));
    expect(entries.length, build).toBeGreaterThanOrEqual(3);
    const offending = files.flatMap((f) => {
      const src = readFileSync(resolve(assets, f), 'utf8');
      return entries.filter((e) => src.includes(`"./${e}"`)).map((e) => `${f} imports ${e}`);
    });
    expect(offending, build).toEqual([]);
  }
});

test('the static-host header files send the same CSP and isolation headers as nginx', () => {
  const csp = nginxCsp();
  const d = directives(csp);
  expect(d.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
  expect(d.get('default-src')).toEqual(["'self'"]);
  expect(d.get('object-src')).toEqual(["'none'"]);
  expect(d.get('frame-ancestors')).toEqual(["'none'"]);
  expect(d.get('base-uri')).toEqual(["'self'"]);
  expect(d.get('connect-src')).toEqual(["'self'"]);
  expect(d.get('style-src')).toEqual(["'self'"]);
  for (const [name, values] of d) {
    if (name !== 'style-src-attr')
      expect(values, `${name} must not allow inline code`).not.toContain("'unsafe-inline'");
    expect(values, `${name} must not allow eval`).not.toContain("'unsafe-eval'");
  }

  const netlify = readFileSync(resolve(repo, 'public/_headers'), 'utf8');
  expect(netlify).toContain(`Content-Security-Policy: ${csp}\n`);
  expect(netlify).toContain('Cross-Origin-Embedder-Policy: require-corp');
  expect(netlify).toContain('Cross-Origin-Opener-Policy: same-origin');

  const vercel = JSON.parse(readFileSync(resolve(repo, 'vercel.json'), 'utf8')) as {
    headers: { source: string; headers: { key: string; value: string }[] }[];
  };
  const all = vercel.headers.find((h) => h.source === '/(.*)')!.headers;
  const header = (k: string) => all.find((h) => h.key === k)?.value;
  expect(header('Content-Security-Policy')).toBe(csp);
  expect(header('Cross-Origin-Embedder-Policy')).toBe('require-corp');
  expect(header('Cross-Origin-Opener-Policy')).toBe('same-origin');

  const htaccess = readFileSync(resolve(repo, 'deploy/.htaccess'), 'utf8');
  expect(htaccess).toContain(`Header always set Content-Security-Policy "${csp}"`);
  expect(htaccess).toContain('Header always set Cross-Origin-Embedder-Policy "require-corp"');
});

test.describe('behind nginx (deploy/nginx.conf)', () => {
  let server: { url: string; configTest: string; stop(): Promise<void> } | undefined;

  test.beforeAll(async () => {
    test.skip(
      !findNginx(),
      'nginx is not installed (apt-get install nginx-light); the nginx checks are skipped',
    );
    assertBuilt();
    server = await startNginx({ root: dist });
    expect(server.configTest).toContain('test is successful');
  });
  test.afterAll(async () => server?.stop());

  test('headers: isolation, CSP, MIME types, caching, ranges, /healthz', async () => {
    const base = server!.url;
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(base + path, { headers, redirect: 'manual' });

    const index = await get('/');
    expect(index.status).toBe(200);
    const h = index.headers;
    expect(h.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(h.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(h.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(h.get('content-security-policy')).toBe(nginxCsp());
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('cache-control')).toBe('no-cache');
    expect(h.get('content-type')).toMatch(/^text\/html/);
    const html = await index.text();

    expect((await get('/index.html')).headers.get('cache-control')).toBe('no-cache');
    const sw = await get('/sw.js');
    expect(sw.status).toBe(200);
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    expect(sw.headers.get('content-type')).toMatch(/^text\/javascript/);

    const entry = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(entry, 'index.html names its entry script under /assets/').toBeTruthy();
    const asset = await get(entry!, { 'Accept-Encoding': 'gzip' });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect(
      asset.headers.get('cross-origin-embedder-policy'),
      'nested locations keep the security headers',
    ).toBe('require-corp');
    expect(asset.headers.get('content-security-policy')).toBe(nginxCsp());

    const missing = await get('/assets/does-not-exist.js');
    expect(missing.status, 'a missing hashed asset is a 404, never index.html').toBe(404);
    expect(missing.headers.get('cache-control')).toBeNull();
    expect(missing.headers.get('cross-origin-opener-policy')).toBe('same-origin');

    const wasm = await get('/ort/ort-wasm-simd-threaded.jsep.wasm', { 'Accept-Encoding': 'gzip' });
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(wasm.headers.get('content-encoding')).toBe('gzip');
    await wasm.arrayBuffer();
    const mjs = await get('/ort/ort-wasm-simd-threaded.jsep.mjs');
    expect(mjs.headers.get('content-type')).toMatch(/^text\/javascript/);

    const manifest = await get('/models/models.json');
    expect(manifest.headers.get('cache-control')).toBe('no-cache');
    expect(manifest.headers.get('content-type')).toMatch(/^application\/json/);
    const models = (await manifest.json()) as { variants: { file: string; bytes: number }[] };
    const model = models.variants[0];
    const ranged = await get(`/models/${model.file}`, { Range: 'bytes=0-1023', 'Accept-Encoding': 'gzip' });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 0-1023/${model.bytes}`);
    expect(ranged.headers.get('content-type')).toBe('application/octet-stream');
    expect(ranged.headers.get('content-encoding')).toBeNull();
    expect(ranged.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await ranged.arrayBuffer()).byteLength).toBe(1024);
    const head = await fetch(`${base}/models/${model.file}`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(model.bytes));
    expect(head.headers.get('accept-ranges')).toBe('bytes');

    expect((await get('/models/.prepared.json')).status, 'dotfiles are not served').toBe(404);

    if (existsSync(resolve(dist, 'manifest.webmanifest'))) {
      const wm = await get('/manifest.webmanifest');
      expect(wm.headers.get('content-type')).toMatch(/^application\/manifest\+json/);
    }

    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect((await health.text()).trim()).toBe('ok');
  });

  // Also what a visitor who used the app once and then goes offline needs: the photo is processed
  // before the service worker takes over (as on a first visit), then, offline, the app shell comes
  // from the precache, models.json from the service worker's copy, the model bytes from IndexedDB.
  test('isolated app processes a photo without any CSP violation, then works offline', async ({
    browser,
  }) => {
    const context = await newContext(browser);
    const violations = await watchCsp(context);
    try {
      const page = await context.newPage();
      await page.goto(`${server!.url}/`);
      expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);

      const t0 = Date.now();
      const r = await processPhoto(page);
      console.log(
        `nginx: processed ${r.width}x${r.height} on ${r.backend} with ${r.threads} threads in ${Date.now() - t0} ms (model from ${r.modelFrom})`,
      );
      expect(r).toMatchObject({
        width: 451,
        height: 300,
        type: 'image/png',
        backend: 'wasm',
        isolated: true,
        modelFrom: 'network',
      });
      expect(r.threads).toBeGreaterThan(1);
      expect(r.size).toBeGreaterThan(10_000);

      await waitForModelStored(page);
      await waitForServiceWorkerControl(page);
      await context.setOffline(true);
      await page.reload();
      await expect(page.getByTestId('file-input')).toBeAttached();
      expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
      const offline = await processPhoto(page);
      expect(offline).toMatchObject({ width: 451, height: 300, modelFrom: 'indexeddb', isolated: true });
      await context.setOffline(false);

      expect(violations, 'Content Security Policy violations').toEqual([]);
    } finally {
      await context.close();
    }
  });
});

test.describe('plain static host without COOP/COEP (scripts/serve-static.mjs)', () => {
  let server: { url: string; close(): Promise<void> } | undefined;
  const documentRequests: string[] = [];

  test.beforeAll(async () => {
    assertBuilt();
    server = await serveStatic({
      root: dist,
      onRequest: (req) => {
        if (req.headers['sec-fetch-dest'] === 'document') documentRequests.push(req.url ?? '');
      },
    });
    const res = await fetch(`${server.url}/`);
    expect(
      res.headers.get('cross-origin-embedder-policy'),
      'the test host must not isolate by itself',
    ).toBeNull();
  });
  test.afterAll(async () => server?.close());

  test('the service worker isolates the page after at most one automatic reload, never more', async ({
    browser,
  }) => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      const nav = countNavigations(page);
      await page.goto(`${server!.url}/`);
      await expect
        .poll(() => isolated(page), {
          timeout: 150_000,
          message: 'crossOriginIsolated via the service worker',
        })
        .toBe(true);
      expect(nav.count, 'first load + at most one automatic reload').toBeLessThanOrEqual(2);
      // A looping reload would show before the app has started its model: count again after that.
      await appStarted(page);
      expect(nav.count).toBeLessThanOrEqual(2);
      expect(await isolated(page)).toBe(true);

      const r = await processPhoto(page);
      expect(r).toMatchObject({ width: 451, height: 300, isolated: true });
      expect(r.threads).toBeGreaterThan(1);

      // A later visit is controlled from the start: isolated with no reload at all.
      const second = await context.newPage();
      const nav2 = countNavigations(second);
      await second.goto(`${server!.url}/`);
      await appStarted(second);
      expect(await isolated(second)).toBe(true);
      expect(nav2.count).toBe(1);
      console.log(
        `static host: ${nav.count} navigations to isolation; server saw ${documentRequests.length} document requests`,
      );
    } finally {
      await context.close();
    }
  });

  test('with service workers blocked it runs single-threaded and says so', async ({ browser }) => {
    const context = await newContext(browser, { serviceWorkers: 'block' });
    try {
      const page = await context.newPage();
      const nav = countNavigations(page);
      await page.goto(`${server!.url}/`);
      await appStarted(page);
      expect(nav.count, 'no reload without a service worker').toBe(1);
      expect(await isolated(page)).toBe(false);
      // The notice the UI shows when the page is not isolated (i18n key notice.noThreads).
      await expect(page.getByText(/running without threads/i)).toBeVisible({ timeout: 15_000 });

      const r = await processPhoto(page);
      expect(r).toMatchObject({ width: 451, height: 300, isolated: false, threads: 1 });
      expect(r.size).toBeGreaterThan(10_000);
    } finally {
      await context.close();
    }
  });
});
