// The engine API the UI and the tests use: load a model with progress, remove the background of
// an image, dispose. Every pixel is handled in the inference worker; this file only talks to it,
// and keeps it alive: a worker that crashes or hangs fails the job it was on (WorkerCrashed,
// WorkerHung) and is replaced by a new one, which reads the model back from IndexedDB.

import * as Comlink from 'comlink';
import { JingjieError, asJingjieError } from '../shared/errors';
import { registerAbortTransfer } from '../shared/abort-transfer';
import type {
  EngineInfo,
  EngineOptions,
  LoadProgress,
  LoadStage,
  ModelVariant,
  RemoveOptions,
  RemoveProgress,
  RemoveResult,
  UnrefinedCrop,
} from '../shared/types';
import type { InferenceApi } from '../../workers/inference.worker';
import { markOnce } from './timeline';
import { Worker } from './worker';
import type { Preset } from '../shared/presets';
import type { PresentExtras } from '../../workers/pipeline/present-io';
import type { CheckApi } from '../../workers/check.worker';
import type { BrushStroke } from '../shared/brush';
import type { BrushApi, BrushHistory } from '../../workers/brush.worker';

export type {
  EngineInfo,
  EngineOptions,
  LoadProgress,
  RemoveOptions,
  RemoveProgress,
  RemoveResult,
  UnrefinedCrop,
  PresentExtras,
  BrushHistory,
};
export { JingjieError };

/** The refine brush's painter, in its own worker (workers/brush.worker.ts); `close()` ends it. */
export type BrushRemote = Comlink.Remote<BrushApi>;
export interface BrushSession {
  /** One call to the painter; rejects with a JingjieError (WorkerCrashed if the worker died). */
  call<T>(f: (remote: BrushRemote) => Promise<T>): Promise<T>;
  close(): void;
}

export interface Engine {
  /** Fetch (or read from IndexedDB) the model and start a session. Safe to call again; one load at a time. */
  load(onProgress?: (p: LoadProgress) => void): Promise<EngineInfo>;
  /** Cut out the subject of an image file. Rejects with a JingjieError (branch on `err.name`). */
  /** `onProgress` hears a code when a long stage starts (see RemoveProgress). */
  removeBackground(
    input: Blob,
    opts?: RemoveOptions & { signal?: AbortSignal; onProgress?: (code: RemoveProgress) => void },
  ): Promise<RemoveResult>;
  /**
   * Apply an output preset (src/shared/presets.ts) to a cut-out, without re-running the model: the
   * one render path, also for a plain re-export onto a colour/image or as WebP (`plainPreset`).
   */
  present(cutout: Blob, preset: Preset, extras?: PresentExtras): Promise<Blob>;
  /**
   * The refine brush (issue 14): a painter in a worker of its own, which decodes the layers and
   * paints the preview on a canvas the page transfers to it, so no stroke's pixels are touched
   * on the main thread (and painting goes on while a batch runs in the inference worker).
   */
  brush(): BrushSession;
  /** Brush strokes applied at full resolution to the unedited cut-out: the edited PNG and mask. */
  applyEdits(cutout: Blob, original: Blob, strokes: BrushStroke[]): Promise<{ png: Blob; mask: Blob }>;
  info(): EngineInfo | undefined;
  /**
   * Resolves once the loaded model's bytes are in IndexedDB, so it runs offline (at once when
   * they were read from there; never when storing failed: info().storage says why).
   */
  modelStored(): Promise<void>;
  /**
   * The variants of the loaded manifest that run on the current backend, then the imported models
   * (`imported` set; empty before a load).
   */
  models(): Promise<ModelVariant[]>;
  /**
   * Check a model file (the official RMBG-1.4 `model.onnx`, `model_fp16.onnx` or
   * `model_quantized.onnx`, or any graph with the same interface) and keep it in IndexedDB as a
   * model choice; it runs offline from then on. Rejects with ModelNotOnnx, ModelWrongInterface,
   * ModelTestRunFailed, FileTooLarge, QuotaExceeded or StorageUnavailable, and then changes
   * nothing. Waits for the image being processed; needs a loaded engine.
   */
  importModel(file: File): Promise<ModelVariant>;
  /** Forget an imported model: its record and its bytes. The engine keeps running until a reload. */
  removeModel(id: string): Promise<void>;
  dispose(): Promise<void>;
  /**
   * The checks made before decoding (empty, byte limit, not an image, declared pixels), in a small
   * worker that needs no model: rejects at once with the file's error, even while the model loads.
   * Resolves when the file passes (or the check cannot run: the job will check again).
   */
  check?(input: Blob, opts?: Pick<RemoveOptions, 'fileName' | 'maxBytes' | 'maxPixels'>): Promise<void>;
  /**
   * Test hook: the worker dies the way a crash looks from the page (terminated, then an `error`
   * event). The job it was on fails with WorkerCrashed and the next job gets a new worker.
   */
  crashWorkerForTest?(): void;
}

/**
 * The watchdog: a job that has not finished after this long is taken as hung. Generous, since the
 * worker reports no progress inside a job: at least HANG_MIN_MS (a 64 MP photo on a busy 2-core
 * machine takes minutes), and HANG_FACTOR times the longest job this engine has finished.
 */
const HANG_MIN_MS = 5 * 60_000;
const HANG_FACTOR = 10;
/** How long a loading worker may stay silent before it is replaced (EngineOptions.silenceTimeoutMs). */
const SILENCE_MS = 30_000;

interface WorkerHandle {
  worker: Worker;
  remote: Comlink.Remote<InferenceApi>;
  /** Rejects with WorkerCrashed when the worker reports an error outside a job or dies. */
  died: Promise<never>;
  crash(reason: string): void;
}

// A job's AbortSignal goes to the worker as a real AbortSignal (the worker registers it too).
registerAbortTransfer();

function spawn(): WorkerHandle {
  const worker = new Worker(new URL('../../workers/inference.worker.ts', import.meta.url), {
    type: 'module',
    name: 'jingjie-inference',
  });
  let reject: (e: JingjieError) => void = () => undefined;
  const died = new Promise<never>((_, r) => (reject = r));
  died.catch(() => undefined);
  const crash = (reason: string) => reject(new JingjieError('WorkerCrashed', 'worker died', { reason }));
  // An uncaught error in the worker's scope (a throw outside any job, a failed script load), or
  // the worker gone: its state can no longer be trusted, so it is replaced.
  worker.addEventListener('error', (ev) => {
    ev.preventDefault();
    crash(ev.message || 'error');
  });
  return { worker, remote: Comlink.wrap<InferenceApi>(worker), died, crash };
}

function appUrl(path: string): string {
  return new URL(path, new URL(import.meta.env.BASE_URL, self.location.href)).href;
}

export function createEngine(options: EngineOptions = {}): Engine {
  let w = spawn();
  let loading: Promise<EngineInfo> | undefined;
  let current: EngineInfo | undefined;
  let storedNow = () => {};
  const stored = new Promise<void>((resolve) => (storedNow = resolve));
  let longestJobMs = 0;
  let disposed = false;
  // One job at a time: the session and the worker's memory are shared.
  let queue: Promise<unknown> = Promise.resolve();
  let checker: { worker: Worker; remote: Comlink.Remote<CheckApi> } | undefined;

  const check = async (
    input: Blob,
    opts: Pick<RemoveOptions, 'fileName' | 'maxBytes' | 'maxPixels'> = {},
  ): Promise<void> => {
    if (!checker) {
      try {
        const worker = new Worker(new URL('../../workers/check.worker.ts', import.meta.url), {
          type: 'module',
          name: 'jingjie-check',
        });
        checker = { worker, remote: Comlink.wrap<CheckApi>(worker) };
      } catch {
        return;
      }
    }
    const fileName = opts.fileName ?? (input instanceof File ? input.name : undefined);
    try {
      await checker.remote.check(input, { ...opts, ...(fileName ? { fileName } : {}) });
    } catch (err) {
      throw asJingjieError(err);
    }
  };

  /** Replaces a worker that crashed or hung; the next job loads the model again (from IndexedDB). */
  const restart = (h: WorkerHandle) => {
    if (w !== h || disposed) return;
    h.worker.terminate();
    w = spawn();
    loading = undefined;
  };

  const load = (onProgress?: (p: LoadProgress) => void, replaced = false): Promise<EngineInfo> => {
    if (loading) return loading;
    const h = w;
    // The silence watchdog: while a load starts and downloads (async work: the worker's thread is
    // free), the worker says it is up at once and then beats every 5 s. Silence for
    // silenceTimeoutMs means its thread stopped (Firefox 153 sat at "Preparing the model…", or
    // at 17 % of the download, for minutes on a fresh profile): it is replaced once, and a
    // second silence fails the load with WorkerNotStarted. Session creation, which may hold the
    // thread for long on a slow device, is not watched.
    const ms = options.silenceTimeoutMs ?? SILENCE_MS;
    let stage: LoadStage = 'manifest';
    let up = false;
    let quietTimer: ReturnType<typeof setTimeout> | undefined;
    let failQuiet: (e: JingjieError) => void = () => undefined;
    const silent = new Promise<never>((_, reject) => (failQuiet = reject));
    silent.catch(() => undefined);
    const arm = () => {
      clearTimeout(quietTimer);
      if (stage !== 'manifest' && stage !== 'download') return;
      quietTimer = setTimeout(
        () =>
          failQuiet(
            new JingjieError(
              'WorkerNotStarted',
              up
                ? 'the inference worker stopped answering during the load'
                : 'the inference worker did not start',
              { ms, stage, up },
            ),
          ),
        ms,
      );
    };
    arm();
    // Moments of the load become marks (jj:*); only changes of stage reach the caller.
    const progress = (p: LoadProgress) => {
      if (p.event === 'worker-up') up = true;
      if (!p.event) stage = p.stage;
      arm();
      if (p.event === 'alive') return;
      if (p.event === 'model-stored') storedNow();
      if (p.event) markOnce(`jj:${p.event}`);
      else onProgress?.(p);
    };
    loading = Promise.race([
      h.remote.load(
        {
          ...options,
          // Models may live on another origin (a CDN): VITE_MODEL_BASE_URL at build time, see docs/deploy.md.
          modelBaseUrl: new URL(
            options.modelBaseUrl || import.meta.env.VITE_MODEL_BASE_URL || appUrl('models/'),
            self.location.href,
          ).href,
          ortBaseUrl: new URL(options.runtimeBaseUrl || appUrl('ort/'), self.location.href).href,
        },
        Comlink.proxy(progress),
      ),
      h.died,
      silent,
    ])
      .then((i) => {
        stage = 'ready'; // a late message re-arms nothing
        clearTimeout(quietTimer);
        current = i;
        storeAfterWaitingJobs(h);
        return i;
      })
      .catch((err: unknown) => {
        stage = 'ready';
        clearTimeout(quietTimer);
        const e = asJingjieError(err);
        const stuck = e.name === 'WorkerNotStarted';
        if (e.name === 'WorkerCrashed' || stuck) restart(h);
        loading = undefined;
        if (stuck && !replaced) return load(onProgress, true);
        throw e;
      });
    return loading;
  };

  const removeBackground = (
    input: Blob,
    opts: RemoveOptions & { signal?: AbortSignal; onProgress?: (code: RemoveProgress) => void } = {},
  ): Promise<RemoveResult> => {
    const { signal, ...rest } = opts;
    const run = async (): Promise<RemoveResult> => {
      if (signal?.aborted) throw new JingjieError('AbortError', 'Cancelled');
      await load();
      const h = w;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hung = new Promise<never>((_, reject) => {
        const ms = Math.max(HANG_MIN_MS, HANG_FACTOR * longestJobMs);
        timer = setTimeout(() => reject(new JingjieError('WorkerHung', 'no progress', { ms })), ms);
      });
      try {
        const { onProgress, ...options } = rest;
        const r = await Promise.race([
          // The signal crosses as a real AbortSignal (src/shared/abort-transfer.ts).
          h.remote.remove(input, options, signal, onProgress ? Comlink.proxy(onProgress) : undefined),
          h.died,
          hung,
        ]);
        longestJobMs = Math.max(longestJobMs, r.timings.total);
        const before = current;
        current = (await Promise.race([h.remote.info(), h.died])) ?? current;
        // A WebGPU → WASM switch inside the job loaded new bytes: stored now, after its result.
        if (current?.variant.id !== before?.variant.id) storeModel(h);
        return r;
      } catch (err) {
        const e = asJingjieError(err);
        if (e.name === 'WorkerCrashed' || e.name === 'WorkerHung') {
          restart(h);
          const fileName = rest.fileName ?? (input instanceof File ? input.name : undefined);
          if (fileName) e.detail = { ...e.detail, fileName };
        }
        throw e;
      } finally {
        clearTimeout(timer);
      }
    };
    const p = queue.then(run, run);
    queue = p.catch(() => undefined);
    return p;
  };

  /**
   * A first visit's model bytes go to IndexedDB after the jobs already waiting for the load (the
   * photo that was dropped while the model downloaded): its result comes first. The store does not
   * hold the queue: a job that arrives later runs beside it.
   */
  const storeModel = (h: WorkerHandle) => {
    if (w === h) void Promise.race([h.remote.storeModel(), h.died]).catch(() => undefined);
  };
  const storeAfterWaitingJobs = (h: WorkerHandle) => {
    const start = () => storeModel(h);
    queue = queue.then(start, start);
  };

  /** Model imports wait their turn with the jobs: one onnxruntime at a time in the worker. */
  const inTurn = <T>(call: (h: WorkerHandle) => Promise<T>): Promise<T> => {
    const run = async () => {
      await load();
      const h = w;
      return Promise.race([call(h), h.died]).catch((err: unknown) => {
        const e = asJingjieError(err);
        if (e.name === 'WorkerCrashed') restart(h);
        throw e;
      });
    };
    const p = queue.then(run, run);
    queue = p.catch(() => undefined);
    return p;
  };

  return {
    load,
    removeBackground,
    check,
    present: (cutout, preset, extras = {}) =>
      Promise.race([w.remote.present(cutout, preset, extras), w.died]).catch((err: unknown) => {
        throw asJingjieError(err);
      }),
    brush: () => {
      const worker = new Worker(new URL('../../workers/brush.worker.ts', import.meta.url), {
        type: 'module',
        name: 'jingjie-brush',
      });
      const remote = Comlink.wrap<BrushApi>(worker);
      const died = new Promise<never>((_, reject) =>
        worker.addEventListener('error', (ev) => {
          ev.preventDefault();
          reject(new JingjieError('WorkerCrashed', 'brush worker died', { reason: ev.message || 'error' }));
        }),
      );
      died.catch(() => undefined);
      return {
        call: (f) =>
          Promise.race([f(remote), died]).catch((err: unknown) => {
            throw asJingjieError(err);
          }),
        close() {
          remote[Comlink.releaseProxy]();
          worker.terminate();
        },
      };
    },
    applyEdits: (cutout, original, strokes) =>
      Promise.race([w.remote.applyEdits(cutout, original, strokes), w.died]).catch((err: unknown) => {
        throw asJingjieError(err);
      }),
    info: () => current,
    modelStored: () => stored,
    models: () => Promise.race([w.remote.models(), w.died]),
    importModel: (file) => inTurn((h) => h.remote.importModel(file)),
    removeModel: (id) => inTurn((h) => h.remote.removeModel(id)),
    async dispose() {
      disposed = true;
      await Promise.race([w.remote.dispose(), w.died]).catch(() => undefined);
      w.remote[Comlink.releaseProxy]();
      w.worker.terminate();
      checker?.worker.terminate();
    },
    crashWorkerForTest() {
      w.worker.terminate();
      w.worker.dispatchEvent(new ErrorEvent('error', { message: 'terminated by a test' }));
    },
  };
}
