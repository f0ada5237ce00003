// A stand-in for the inference worker, for measuring the app's own main-thread cost during a
// batch without the model: pass `standInEngineScript(ms)` to `context.addInitScript` before the
// app loads. It replaces the Worker the engine starts (named 'jingjie-inference') with one that
// answers the same Comlink calls: `load` returns at once, `remove` decodes the image, waits
// `ms` (the "inference") and returns it re-encoded as the cut-out plus a grey mask PNG; `present`
// (output presets) and `applyEdits` (the refine brush's save), which need no model, are relayed
// to the real worker. The brush's painter is a worker of its own (not replaced).
// Everything it does runs in the worker, like the real engine, so the page's long tasks are the
// app's own.

/** Init script source (a string, so it runs as written whatever the bundler does to functions). */
export function standInEngineScript(inferenceMs = 100, opts: { busyThreads?: number } = {}): string {
  const worker = `
const ms = ${Number(inferenceMs)};
// busyThreads > 0: the "inference" keeps that many threads busy (like onnxruntime's WASM threads),
// so the page competes for the CPU as it does with the real model; 0: it only waits.
const busyThreads = ${Number(opts.busyThreads ?? 0)};
const spin = (t) => { const end = performance.now() + t; let x = 0; while (performance.now() < end) x += Math.sqrt(x + 1); return x; };
let helpers;
function busy(t) {
  if (!helpers) {
    const src = 'self.onmessage = (e) => { const end = performance.now() + e.data; let x = 0; while (performance.now() < end) x += Math.sqrt(x + 1); self.postMessage(x); };';
    const u = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    helpers = Array.from({ length: Math.max(0, busyThreads - 1) }, () => new Worker(u));
  }
  const others = helpers.map((h) => new Promise((r) => { h.onmessage = r; h.postMessage(t); }));
  spin(t);
  return Promise.all(others);
}
const variant = { id: 'stand-in', name: 'Stand-in (no model)', file: '', bytes: 1, sha256: '', precision: 'fp32',
  source: 'test/bench/stand-in-engine.ts', licence: 'n/a', backends: ['wasm'], inputName: 'input', outputName: 'output' };
const info = { backend: 'wasm', variant, threads: 1, crossOriginIsolated: self.crossOriginIsolated, simd: true,
  modelFrom: 'indexeddb', loadMs: 1 };
const sleep = (t) => new Promise((r) => setTimeout(r, t));
const api = {
  // A saved model choice (preferVariant) shows in the variant's name, so a test can see it arrive.
  async load(req, onProgress) {
    if (req && req.preferVariant) info.variant = { ...variant, id: req.preferVariant, name: 'Stand-in as ' + req.preferVariant };
    // Like a model read from IndexedDB: stored, so the app may say it works offline.
    if (onProgress) onProgress({ stage: 'ready', event: 'model-stored' });
    return info;
  },
  info() { return info; },
  // The real worker lists the manifest's variants that fit the backend; the stand-in reads the same file.
  async models() {
    const m = await (await fetch(new URL('/models/models.json', self.location.origin))).json();
    return m.variants.filter((v) => v.backends.includes('wasm'));
  },
  // Its "model" is never downloaded, so there is nothing to store (the real worker's storeModel).
  async storeModel() {},
  async dispose() {},
  async remove(input, opts, signal) {
    const t0 = performance.now();
    let bmp;
    try { bmp = await createImageBitmap(input); } catch (e) {
      // What the real engine says for a file it cannot decode.
      const err = new Error('could not decode'); err.name = 'DecodeFailed'; throw err;
    }
    const w = bmp.width, h = bmp.height;
    const c = new OffscreenCanvas(w, h);
    c.getContext('2d').drawImage(bmp, 0, 0);
    bmp.close();
    const t1 = performance.now();
    if (busyThreads > 0) await busy(ms); else await sleep(ms);
    if (signal && signal.aborted) { const e = new Error('Cancelled'); e.name = 'AbortError'; throw e; }
    const t2 = performance.now();
    const blob = await c.convertToBlob({ type: 'image/png' });
    const m = new OffscreenCanvas(w, h);
    const g = m.getContext('2d');
    g.fillStyle = '#808080';
    g.fillRect(0, 0, w, h);
    const maskPng = await m.convertToBlob({ type: 'image/png' });
    const t3 = performance.now();
    return { blob, mask: new Uint8ClampedArray(w * h), maskPng, width: w, height: h, originalWidth: w, originalHeight: h,
      backend: 'wasm', variant: variant.id,
      timings: { decode: t1 - t0, preprocess: 0, inference: t2 - t1, postprocess: 0, refine: 0, encode: t3 - t2, total: t3 - t0 } };
  },
};
// present() (output presets) and the refine brush's applyEdits() need no model: they go to the
// real inference worker, started on the first call from the URL the page gave, and its Comlink
// replies are relayed unchanged.
const RELAYED = ['present', 'applyEdits'];
let realUrl, real;
// The page may ask for the next present() calls to fail (window.__jjStandIn.postMessage({
// __standInFailPresent: n })), as a damaged stored cut-out would: DecodeFailed; or never to
// answer (__standInHangPresent: n), as a render that never settled once did in Firefox.
let failPresent = 0,
  hangPresent = 0;
function realWorker() {
  if (!real) {
    real = new Worker(realUrl, { type: 'module', name: 'jingjie-present' });
    real.onmessage = (e) => self.postMessage(e.data);
  }
  return real;
}
// The Comlink 4 wire protocol, as much of it as the engine uses.
self.onmessage = async (ev) => {
  if (ev.data && ev.data.__standInRealUrl) { realUrl = ev.data.__standInRealUrl; return; }
  if (ev.data && ev.data.__standInFailPresent) { failPresent += ev.data.__standInFailPresent; return; }
  if (ev.data && ev.data.__standInHangPresent) { hangPresent += ev.data.__standInHangPresent; return; }
  const { id, type, path = [], argumentList = [] } = ev.data || {};
  if (!id) return;
  if (type === 'APPLY' && path[0] === 'present' && hangPresent > 0) { hangPresent--; return; }
  if (type === 'APPLY' && path[0] === 'present' && failPresent > 0) {
    failPresent--;
    self.postMessage({ id, type: 'HANDLER', name: 'throw',
      value: { isError: true, value: { name: 'DecodeFailed', message: 'stand-in: present failed as asked' } } });
    return;
  }
  if (type === 'APPLY' && RELAYED.includes(path[0]) && realUrl) { realWorker().postMessage(ev.data); return; }
  if (type === 'RELEASE') { self.postMessage({ id, type: 'RAW', value: undefined }); return; }
  if (type !== 'APPLY') { self.postMessage({ id, type: 'RAW', value: undefined }); return; }
  // A job's AbortSignal arrives as a port that says 'abort' once (src/shared/abort-transfer.ts).
  const signalFrom = (port) => {
    const ctrl = new AbortController();
    port.onmessage = () => { ctrl.abort(); port.close(); };
    return ctrl.signal;
  };
  const args = argumentList.map((a) =>
    a && a.type === 'RAW' ? a.value : a && a.type === 'HANDLER' && a.name === 'abortSignal' ? signalFrom(a.value) : undefined);
  try {
    const value = await api[path[0]](...args);
    self.postMessage({ id, type: 'RAW', value });
  } catch (e) {
    self.postMessage({ id, type: 'HANDLER', name: 'throw',
      value: { isError: true, value: { name: e.name, message: e.message, stack: e.stack } } });
  }
};
`;
  return `(() => {
  const Real = globalThis.Worker;
  const src = ${JSON.stringify(worker)};
  const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
  globalThis.Worker = class extends Real {
    constructor(u, o) {
      const standIn = !!o && o.name === 'jingjie-inference';
      super(standIn ? url : u, standIn ? { name: o.name } : o);
      if (standIn) {
        this.postMessage({ __standInRealUrl: new URL(String(u), location.href).href });
        globalThis.__jjStandIn = this;
      }
    }
  };
})();`;
}
