// The engine API the UI and the tests use: load a model with progress, remove the background of
// an image, dispose. Every pixel is handled in the inference worker; this file only talks to it.

import * as Comlink from 'comlink';
import { JingjieError, asJingjieError } from '../shared/errors';
import type {
  EngineInfo,
  EngineOptions,
  LoadProgress,
  RemoveOptions,
  RemoveProgress,
  RemoveResult,
  UnrefinedCrop,
} from '../shared/types';
import type { InferenceApi, RenderOptions } from '../../workers/inference.worker';
import { markOnce } from './timeline';
import type { Preset } from '../shared/presets';
import type { PresentExtras } from '../../workers/pipeline/present-io';

export type {
  EngineInfo,
  EngineOptions,
  LoadProgress,
  RemoveOptions,
  RemoveProgress,
  RemoveResult,
  RenderOptions,
  UnrefinedCrop,
  PresentExtras,
};
export { JingjieError };

export interface Engine {
  /** Fetch (or read from IndexedDB) the model and start a session. Safe to call again; one load at a time. */
  load(onProgress?: (p: LoadProgress) => void): Promise<EngineInfo>;
  /** Cut out the subject of an image file. Rejects with a JingjieError (branch on `err.name`). */
  /** `onProgress` hears a code when a long stage starts (see RemoveProgress). */
  removeBackground(
    input: Blob,
    opts?: RemoveOptions & { signal?: AbortSignal; onProgress?: (code: RemoveProgress) => void },
  ): Promise<RemoveResult>;
  /** Re-export a cut-out (PNG from removeBackground) onto a colour/image or as WebP, without re-running the model. */
  render(cutout: Blob, opts?: RenderOptions): Promise<Blob>;
  /** Apply an output preset (src/shared/presets.ts) to a cut-out, without re-running the model. */
  present(cutout: Blob, preset: Preset, extras?: PresentExtras): Promise<Blob>;
  info(): EngineInfo | undefined;
  dispose(): Promise<void>;
}

function appUrl(path: string): string {
  return new URL(path, new URL(import.meta.env.BASE_URL, self.location.href)).href;
}

export function createEngine(options: EngineOptions = {}): Engine {
  const worker = new Worker(new URL('../../workers/inference.worker.ts', import.meta.url), {
    type: 'module',
    name: 'jingjie-inference',
  });
  const remote = Comlink.wrap<InferenceApi>(worker);
  let loading: Promise<EngineInfo> | undefined;
  let current: EngineInfo | undefined;
  let nextJob = 1;
  // One job at a time: the session and the worker's memory are shared.
  let queue: Promise<unknown> = Promise.resolve();

  const load = (onProgress?: (p: LoadProgress) => void): Promise<EngineInfo> => {
    // Moments of the load become marks (jj:*); only changes of stage reach the caller.
    const progress = (p: LoadProgress) => {
      if (p.event) markOnce(`jj:${p.event}`);
      else onProgress?.(p);
    };
    loading ??= remote
      .load(
        {
          ...options,
          // Models may live on another origin (a CDN): VITE_MODEL_BASE_URL at build time, see docs/deploy.md.
          modelBaseUrl: new URL(
            options.modelBaseUrl || import.meta.env.VITE_MODEL_BASE_URL || appUrl('models/'),
            self.location.href,
          ).href,
          ortBaseUrl: appUrl('ort/'),
        },
        Comlink.proxy(progress),
      )
      .then((i) => (current = i))
      .catch((err: unknown) => {
        loading = undefined;
        throw asJingjieError(err);
      });
    return loading;
  };

  const removeBackground = (
    input: Blob,
    opts: RemoveOptions & { signal?: AbortSignal; onProgress?: (code: RemoveProgress) => void } = {},
  ): Promise<RemoveResult> => {
    const { signal, ...rest } = opts;
    const job = nextJob++;
    const run = async (): Promise<RemoveResult> => {
      if (signal?.aborted) throw new JingjieError('AbortError', 'Cancelled');
      await load();
      const onAbort = () => void remote.cancel(job);
      signal?.addEventListener('abort', onAbort);
      try {
        const { onProgress, ...options } = rest;
        const r = await remote.remove(
          job,
          input,
          options,
          onProgress ? Comlink.proxy(onProgress) : undefined,
        );
        current = (await remote.info()) ?? current;
        return r;
      } catch (err) {
        throw asJingjieError(err);
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    };
    const p = queue.then(run, run);
    queue = p.catch(() => undefined);
    return p;
  };

  return {
    load,
    removeBackground,
    render: (cutout, opts = {}) =>
      remote.render(cutout, opts).catch((err: unknown) => {
        throw asJingjieError(err);
      }),
    present: (cutout, preset, extras = {}) =>
      remote.present(cutout, preset, extras).catch((err: unknown) => {
        throw asJingjieError(err);
      }),
    info: () => current,
    async dispose() {
      await remote.dispose().catch(() => undefined);
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
