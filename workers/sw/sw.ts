// The service worker: precaches the app shell and the onnxruntime-web runtime (never the model,
// which lives in IndexedDB), serves them with COOP/COEP so the page can be cross-origin isolated
// on any static host, and receives Web Share Target POSTs. Routing and caching are workbox's;
// the share target and the update hand-shake are ours (workers/sw/README.md says why).
/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core';
import {
  addPlugins,
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching';
import { warmStrategyCache } from 'workbox-recipes';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst, NetworkOnly } from 'workbox-strategies';
import { SHARE_ACTION, SHARE_CACHE, SHARE_PARAM } from '../../src/shared/share-contract';
import { isolationPlugin } from './isolation';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<{ url: string; revision: string | null }>;
};

const scope = new URL(self.registration.scope);
const MODELS_JSON = new URL('models/models.json', scope).href;
/** A route match for one path under the scope, whatever the query. */
const at = (path: string) => {
  const { origin, pathname } = new URL(path, scope);
  return ({ url }: { url: URL }) => url.origin === origin && url.pathname === pathname;
};
/** Model weights: streamed straight from the network (the engine stores them in IndexedDB). */
const MODEL_FILES = new RegExp(
  `^${scope.pathname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:models/(?!models\\.json$)|tmp-models/)`,
);

/** Same origin, under the worker's scope, and not a model file: every such response is isolated. */
const ours = (url: URL) => url.href.startsWith(scope.href) && !MODEL_FILES.test(url.pathname);

// The first install takes over open pages at once so they can reload into isolation; updates
// wait until the user agrees (SKIP_WAITING below).
clientsClaim();
self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// Web Share Target: workbox has no strategy for a POST that is consumed, not forwarded.
registerRoute(at(SHARE_ACTION), ({ request }) => receiveShare(request), 'POST');

// models.json names the weights and their hashes: network first, the last copy when offline.
// The page that installs the worker fetched it before the worker controlled it, so the install
// keeps a copy too: a first visit followed by going offline must still find the manifest.
const modelsManifest = new NetworkFirst({ cacheName: 'jingjie-models-manifest', plugins: [isolationPlugin] });
registerRoute(at(MODELS_JSON), modelsManifest);
warmStrategyCache({ urls: [MODELS_JSON], strategy: modelsManifest });

addPlugins([isolationPlugin]);
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
// Any navigation under the scope (e.g. back from the share target with its query) gets the shell.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [MODEL_FILES] }));
// Files outside the precache (e.g. a new hashed chunk after a deploy, before the update is
// accepted) come from the network, with the isolation headers a worker script needs under COEP.
registerRoute(({ url }) => ours(url), new NetworkOnly({ plugins: [isolationPlugin] }));

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
