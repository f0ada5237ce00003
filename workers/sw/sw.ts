// The service worker: precaches the app shell and the onnxruntime-web runtime (never the model,
// which lives in IndexedDB), serves them with COOP/COEP so the page can be cross-origin isolated
// on any static host, and receives Web Share Target POSTs.
/// <reference lib="webworker" />
import { cleanupOutdatedCaches, getCacheKeyForURL, matchPrecache, precache } from 'workbox-precaching';
import { SHARE_ACTION, SHARE_CACHE, SHARE_PARAM } from '../../src/shared/share-contract';
import { withIsolation } from './isolation';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<{ url: string; revision: string | null }>;
};

const scope = new URL(self.registration.scope);
const MANIFEST_CACHE = 'jingjie-models-manifest';

precache(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// The page that installs the worker fetched models.json before the worker controlled it, so keep a
// copy now: a first visit followed by going offline must still find the manifest.
self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(MANIFEST_CACHE)
      .then((c) => c.add(new URL('models/models.json', scope).href))
      .catch(() => undefined),
  );
});

self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// The first install takes over open pages at once so they can reload into isolation; updates
// wait until the user agrees (SKIP_WAITING above).
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

async function fromPrecacheOrNetwork(request: Request): Promise<Response> {
  // matchPrecache takes the plain URL (it adds the revision itself); files outside the precache
  // (e.g. a new hashed chunk after a deploy, before the update is accepted) go to the network.
  if (getCacheKeyForURL(request.url)) {
    const cached = await matchPrecache(request.url);
    if (cached) return cached;
  }
  return fetch(request);
}

async function navigation(request: Request): Promise<Response> {
  try {
    const cached = await matchPrecache(new URL('index.html', scope).href);
    if (cached) return cached;
  } catch {
    // Fall through to the network.
  }
  return fetch(request);
}

/** models.json: network first (it names the weights and their hashes), the last copy when offline. */
async function modelsManifest(request: Request): Promise<Response> {
  const cache = await caches.open(MANIFEST_CACHE);
  try {
    const res = await fetch(request);
    if (res.ok) await cache.put(request.url, res.clone());
    return res;
  } catch (err) {
    const cached = await cache.match(request.url);
    if (cached) return cached;
    throw err;
  }
}

async function receiveShare(request: Request): Promise<Response> {
  const form = await request.formData();
  const cache = await caches.open(SHARE_CACHE);
  let i = 0;
  for (const value of form.values()) {
    if (typeof value === 'string') continue;
    const headers = {
      'content-type': value.type,
      'x-file-name': encodeURIComponent(value.name || `shared-${i}`),
    };
    await cache.put(new URL(`__shared/${Date.now()}-${i++}`, scope).href, new Response(value, { headers }));
  }
  const to = new URL('./', scope);
  to.searchParams.set(SHARE_PARAM, String(i));
  return Response.redirect(to.href, 303);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== scope.origin || !url.href.startsWith(scope.href)) return;
  const path = url.pathname.slice(scope.pathname.length);

  if (request.method === 'POST' && path === SHARE_ACTION) {
    event.respondWith(receiveShare(request));
    return;
  }
  if (request.method !== 'GET') return;
  // Model weights stream straight from the network (the engine stores them in IndexedDB).
  if (path.startsWith('models/') && path !== 'models/models.json') return;
  if (path.startsWith('tmp-models/')) return;

  if (path === 'models/models.json') {
    event.respondWith(modelsManifest(request).then(withIsolation));
  } else if (request.mode === 'navigate') {
    event.respondWith(navigation(request).then(withIsolation));
  } else {
    event.respondWith(fromPrecacheOrNetwork(request).then(withIsolation));
  }
});
