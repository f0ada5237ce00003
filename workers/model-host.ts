// The model side of the inference worker: which variant and backend (WebGPU, else WASM, with the
// reason as a code), loading it (manifest, bytes from IndexedDB or the network, session), storing
// a first visit's bytes when the page says so, imported models, and running the session with a
// move to WASM when WebGPU fails mid-flight. The one owner of the worker's model state.

import type * as ort from 'onnxruntime-web';
import { JingjieError, asJingjieError } from '../src/shared/errors';
import type {
  Backend,
  EngineInfo,
  FallbackCode,
  LoadEvent,
  LoadProgress,
  LoadRequest,
  ModelManifest,
  ModelVariant,
} from '../src/shared/types';
import {
  deleteImported,
  fetchManifest,
  listImported,
  loadModelBytes,
  readCache,
  type ModelBytes,
} from './model-store';
import { importModelFile } from './model-import';
import {
  createSession,
  defaultThreads,
  probeWebGpu,
  runModel,
  runtimeFor,
  runtimeKind,
  startRuntime,
  pickVariantFor,
  variantFits,
  type GpuProbe,
} from './session';
import { MODEL_SIZE } from './pipeline/preprocess';

let manifest: ModelManifest | undefined;
/** Models a person imported (IndexedDB), chosen like the manifest's variants. */
let imported: ModelVariant[] = [];
let session: ort.InferenceSession | undefined;
let info: EngineInfo | undefined;
let request: LoadRequest | undefined;
let gpuFeatures: string[] = [];
/** Writes freshly downloaded model bytes to IndexedDB; run once, when no job needs the cores. */
let pendingStore: (() => Promise<void>) | undefined;

/** Start the pending model store, if any (once); resolves when it is written or has failed. */
function storeNow(): Promise<void> {
  const run = pendingStore;
  pendingStore = undefined;
  return run ? run() : Promise.resolve();
}

/** The manifest and the imported models: a saved choice (preferVariant) may name either. */
const withImported = (m: ModelManifest): ModelManifest => ({ ...m, variants: [...m.variants, ...imported] });

const pickVariant = (m: ModelManifest, backend: Backend, forced?: string) =>
  pickVariantFor(withImported(m), backend, gpuFeatures, { forced, prefer: request?.preferVariant });

/** An imported model's bytes: IndexedDB only, never the network (it is nowhere else). */
async function storedBytes(variant: ModelVariant): Promise<ModelBytes> {
  const data = await readCache(variant);
  if (!data)
    throw new JingjieError('ModelIntegrity', `${variant.name}: the imported model is no longer stored.`);
  return { data, from: 'indexeddb' };
}

/** Start onnxruntime (once per worker): the plain wasm build unless a WebGPU session may be made. */
function runtime(req: LoadRequest, backend: Backend, onEvent?: (e: LoadEvent) => void): Promise<unknown> {
  const first = !runtimeKind();
  const ready = startRuntime(
    runtimeFor(backend, runtimeKind()),
    req.ortBaseUrl,
    req.threads ?? defaultThreads(),
  );
  if (first)
    void ready.then(
      () => onEvent?.('wasm-ready'),
      () => undefined,
    );
  return ready;
}

async function start(
  req: LoadRequest,
  backend: Backend,
  variant: ModelVariant,
  onProgress: ((p: LoadProgress) => void) | undefined,
  t0: number,
  fallback?: { code: FallbackCode; reason: string },
): Promise<EngineInfo> {
  const threads = backend === 'wasm' ? (req.threads ?? defaultThreads()) : 1;
  const base = { variant: variant.id, variantName: variant.name };
  let stage: LoadProgress['stage'] = 'download';
  const event = (e: LoadEvent) => onProgress?.({ stage, event: e, ...base });
  // The runtime (wasm fetch, compile, threads) and the model bytes (download, hash) at once.
  const ready = runtime(req, backend, event);
  ready.catch(() => undefined); // awaited below, after the bytes
  onProgress?.({ stage: 'download', loaded: 0, total: variant.bytes, ...base });
  const bytes = variant.imported
    ? await storedBytes(variant)
    : await loadModelBytes(req.modelBaseUrl, variant, {
        noCache: req.noCache,
        onProgress: (loaded, total) => onProgress?.({ stage: 'download', loaded, total, ...base }),
        onBytes: () => event('model-bytes'),
        onVerify: () => onProgress?.({ stage: (stage = 'verify'), ...base }),
        onVerified: () => event('verified'),
      });
  await ready;
  onProgress?.({ stage: (stage = 'session'), fromCache: bytes.from === 'indexeddb', ...base });
  session = await createSession(bytes.data, backend, variant);
  event('session');
  info = {
    backend,
    variant,
    threads,
    crossOriginIsolated: self.crossOriginIsolated,
    simd: true,
    fallback: fallback?.code,
    fallbackReason: fallback?.reason,
    modelFrom: bytes.from,
    storage: bytes.storage?.code,
    storageWarning: bytes.storage?.message,
    loadMs: performance.now() - t0,
  };
  // Network bytes are stored later (storeModel): the 88 MB write is no job's business, and on a
  // first visit it would compete with the first inference. A failure shows in info() (the page
  // reads it again after each job).
  const loaded = info;
  if (bytes.from === 'indexeddb') event('model-stored');
  const store = bytes.store;
  pendingStore = store
    ? () =>
        store().then((problem) => {
          if (!problem) return event('model-stored');
          loaded.storage = problem.code;
          loaded.storageWarning = problem.message;
        })
    : undefined;
  onProgress?.({ stage: 'ready', fromCache: bytes.from === 'indexeddb', ...base });
  return info;
}

/** What a job needs from the loaded model; throws RuntimeFailed when nothing is loaded. */
export function loaded(): { info: EngineInfo } {
  if (!session || !info || !manifest || !request)
    throw new JingjieError('RuntimeFailed', 'The engine is not loaded.');
  return { info };
}

/** Run on the current session; if WebGPU fails mid-flight (device lost, kernel error), move to WASM and retry. */
export /** Run on the current session; if WebGPU fails mid-flight (device lost, kernel error), move to WASM and retry. */
async function infer(input: Float32Array): Promise<Float32Array> {
  try {
    return await runModel(session!, info!.variant, input, MODEL_SIZE);
  } catch (err) {
    if (info!.backend !== 'webgpu' || !request)
      throw new JingjieError('RuntimeFailed', `Inference failed: ${(err as Error).message}`);
    const reason = `WebGPU failed during inference (${(err as Error).message}); switched to WASM.`;
    try {
      await session?.release();
    } catch {
      // A lost device may refuse to release; the session is dropped either way.
    }
    session = undefined;
    const v = pickVariant(manifest!, 'wasm', undefined)!;
    await start({ ...request, backend: 'wasm' }, 'wasm', v, undefined, performance.now(), {
      code: 'webGpuFailed',
      reason,
    });
    return runModel(session!, info!.variant, input, MODEL_SIZE);
  }
}

/** One load: the manifest, the backend and variant, the bytes, the session (see `model.load`). */
async function loadModel(req: LoadRequest, onProgress?: (p: LoadProgress) => void): Promise<EngineInfo> {
  const t0 = performance.now();
  onProgress?.({ stage: 'manifest', event: 'worker-up' });
  request = req;
  await session?.release();
  session = undefined;
  onProgress?.({ stage: 'manifest' });
  // The model list and the WebGPU probe at once; where no adapter exists, the plain wasm build
  // starts before the list is even in.
  const manifestP = fetchManifest(req.modelBaseUrl);
  manifestP.catch(() => undefined);
  // Storage that fails only loses the imported models, never the load.
  const importedP = listImported().catch(() => []);
  const probeP: Promise<GpuProbe | undefined> =
    req.backend === 'wasm' ? Promise.resolve(undefined) : probeWebGpu();
  void probeP.then((p) => {
    if (!p?.ok)
      runtime(req, 'wasm', (e) => onProgress?.({ stage: 'manifest', event: e })).catch(() => undefined);
  });
  manifest = await manifestP;
  imported = await importedP;
  let fallback: { code: FallbackCode; reason: string } | undefined;
  if (req.backend !== 'wasm') {
    const probe = (await probeP)!;
    gpuFeatures = probe.features;
    // An imported model that only runs on WASM (a uint8 graph), chosen by the person: WASM it is.
    const chosen = req.variant ? undefined : imported.find((x) => x.id === req.preferVariant);
    const wasmOnly = !!chosen && !variantFits(chosen, 'webgpu', gpuFeatures) && req.backend !== 'webgpu';
    const v = probe.ok && !wasmOnly ? pickVariant(manifest, 'webgpu', req.variant) : undefined;
    if (probe.ok && v) {
      try {
        return await start(req, 'webgpu', v, onProgress, t0);
      } catch (err) {
        fallback = {
          code: 'webGpuFailed',
          reason: `WebGPU failed (${(err as Error).message}); using WASM.`,
        };
      }
    } else {
      fallback = probe.ok
        ? {
            code: 'noVariant',
            reason: wasmOnly
              ? 'The chosen imported model runs on WASM only.'
              : 'No model variant fits this WebGPU adapter.',
          }
        : { code: probe.code ?? 'noWebGpu', reason: probe.reason ?? 'WebGPU is not available.' };
    }
    if (req.backend === 'webgpu') throw new JingjieError('RuntimeFailed', fallback.reason);
  }
  const v = pickVariant(manifest, 'wasm', req.variant);
  if (!v) throw new JingjieError('RuntimeFailed', `Model variant "${req.variant}" cannot run on WASM.`);
  if (!v.imported) return start(req, 'wasm', v, onProgress, t0, fallback);
  try {
    return await start(req, 'wasm', v, onProgress, t0, fallback);
  } catch {
    // A saved choice never fails the load: the imported bytes are gone or broken, so the default.
    const d = pickVariantFor(manifest, 'wasm', gpuFeatures)!;
    return start(req, 'wasm', d, onProgress, t0, fallback);
  }
}

/**
 * While a load runs, the page hears from the worker at least this often (`alive`), so its
 * watchdog (src/engine) can tell a worker whose thread stopped from a slow network.
 */
const ALIVE_MS = 5000;

/** The model half of the worker's Comlink API. */
export const model = {
  async load(req: LoadRequest, onProgress?: (p: LoadProgress) => void): Promise<EngineInfo> {
    const beat = setInterval(() => onProgress?.({ stage: 'manifest', event: 'alive' }), ALIVE_MS);
    try {
      return await loadModel(req, onProgress);
    } finally {
      clearInterval(beat);
    }
  },

  info(): EngineInfo | undefined {
    return info;
  },

  /**
   * Store the downloaded model bytes in IndexedDB (offline use, no download next visit). The page
   * calls it once the jobs that were waiting for the load are done, so that the first result comes
   * first, and after a job that moved to WASM. Resolves when written (or failed: info() says why).
   */
  storeModel(): Promise<void> {
    return storeNow();
  },

  /** The variants of the loaded manifest that can run on the current backend (for a model choice). */
  models(): ModelVariant[] {
    if (!manifest || !info) return [];
    const backend = info.backend;
    // Imported models are listed on any backend: one that only runs on WASM takes the engine there.
    return [...manifest.variants.filter((v) => variantFits(v, backend, gpuFeatures)), ...imported];
  },

  /**
   * Check a model file a person picked and keep it as an imported model (workers/model-import.ts).
   * Rejects with ModelNotOnnx, ModelWrongInterface, ModelTestRunFailed, FileTooLarge, QuotaExceeded
   * or StorageUnavailable (detail.fileName); then nothing was stored.
   */
  async importModel(file: File): Promise<ModelVariant> {
    if (!info) throw new JingjieError('RuntimeFailed', 'The engine is not loaded.');
    try {
      const v = await importModelFile(file, info.backend, gpuFeatures);
      imported = [...imported.filter((x) => x.id !== v.id), v];
      return v;
    } catch (err) {
      throw asJingjieError(err);
    }
  },

  /** Forget an imported model (its record, and its bytes unless a bundled variant has the same). */
  async removeModel(id: string): Promise<void> {
    try {
      const keep = new Set(manifest?.variants.map((v) => v.sha256));
      await deleteImported(id, (sha) => keep.has(sha));
      imported = imported.filter((x) => x.id !== id);
    } catch (err) {
      throw asJingjieError(err, 'StorageUnavailable');
    }
  },

  async dispose(): Promise<void> {
    await session?.release();
    session = undefined;
    info = undefined;
  },
};
