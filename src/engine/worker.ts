// `new Worker(url, options)` that also starts a module worker whose script lives on another origin.
// The embeddable package (lib/) may be imported from a host other than the page's, and a browser
// refuses a cross-origin worker URL, so such a worker starts from a same-origin blob: script that
// imports the real module by its absolute URL (the host serves it with CORS headers).
//
// The name stays `Worker` on purpose: Vite bundles a worker only where it reads the literal
// `new Worker(new URL('…', import.meta.url), …)`, and it rewrites only the URL inside it.

function startUrl(url: string | URL): string | URL {
  const abs = new URL(url, self.location.href);
  if (abs.origin === self.location.origin) return url;
  // Not revoked: the worker fetches it asynchronously after construction, and it is a few bytes.
  const boot = `import ${JSON.stringify(abs.href)};`;
  return URL.createObjectURL(new Blob([boot], { type: 'text/javascript' }));
}

/** The browser's Worker, started through a blob: bootstrap when its module is on another origin. */
export const Worker = function (url: string | URL, options?: WorkerOptions): globalThis.Worker {
  return new globalThis.Worker(startUrl(url), options);
} as unknown as typeof globalThis.Worker;
export type Worker = globalThis.Worker;
