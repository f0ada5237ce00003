// Adds the cross-origin isolation headers to a response the service worker hands to the page, so
// WASM threads work on static hosts that cannot set COOP/COEP themselves.

import type { WorkboxPlugin } from 'workbox-core/types';
import { ISOLATION_HEADERS } from '../../src/shared/headers.js';

export function withIsolation(res: Response): Response {
  // Opaque and redirect responses cannot be rebuilt; errors pass through untouched.
  if (res.type === 'opaque' || res.type === 'opaqueredirect' || res.status === 0) return res;
  if (Object.entries(ISOLATION_HEADERS).every(([k, v]) => res.headers.get(k) === v)) return res;
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(ISOLATION_HEADERS)) headers.set(k, v);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

/**
 * The same for every workbox strategy the worker routes to: `handlerWillRespond` sees the final
 * response of a strategy, from the cache or the network. Responses fetched while installing (the
 * precache, the models.json copy) go to the cache as they came and are not rebuilt.
 */
export const isolationPlugin: WorkboxPlugin = {
  handlerWillRespond: async ({ event, response }) =>
    event.type === 'install' ? response : withIsolation(response),
};
