// The inference worker: owns the model session and every pixel of a job, from decode to encoded
// file. Exposed to the page with Comlink; see src/engine for the typed wrapper.

import * as Comlink from 'comlink';
import type * as ort from 'onnxruntime-web';
import { JingjieError, asJingjieError, throwIfAborted } from '../src/shared/errors';
import { stageTimer } from '../src/shared/stage-timer';
import type {
  Backend,
  EngineInfo,
  LoadProgress,
  ModelManifest,
  ModelVariant,
  RemoveResult,
  RemoveOptions,
  StageTimings,
  LoadRequest,
  RenderOptions,
} from '../src/shared/types';
import { fetchManifest, loadModelBytes } from './model-store';
import { configureOrt, createSession, defaultThreads, probeWebGpu, runModel, variantFits } from './session';
import { bitmapToRgba, decode, decodeToBitmap } from './pipeline/decode';
import { MODEL_SIZE, preprocess } from './pipeline/preprocess';
import { minMaxNormalize, upsampleMask } from './pipeline/postprocess';
import { alphaOf, compose, flattenOnto, parseHexColour } from './pipeline/compose';
import { encodeImage } from './pipeline/encode';
import { edgeFocus, estimateForeground, upsampleAlphaGuided } from './refine';

// The contracts live in src/shared/types.ts; re-exported for importers that name the worker's API.
export type { LoadRequest, RenderOptions };

/** What a job returns: exactly the engine's RemoveResult (the mask's buffer is transferred). */
export type WorkerResult = RemoveResult;

let manifest: ModelManifest | undefined;
let session: ort.InferenceSession | undefined;
let info: EngineInfo | undefined;
let request: LoadRequest | undefined;
let gpuFeatures: string[] = [];
const cancelled = new Set<number>();

function pickVariant(m: ModelManifest, backend: Backend, forced?: string): ModelVariant | undefined {
  if (forced) {
    const v = m.variants.find((x) => x.id === forced);
    if (!v) throw new JingjieError('RuntimeFailed', `No model variant "${forced}" in models.json.`);
    return variantFits(v, backend, gpuFeatures) ? v : undefined;
  }
  const id = m.defaults[backend];
  return (
    m.variants.find((x) => x.id === id && variantFits(x, backend, gpuFeatures)) ??
    m.variants.find((x) => variantFits(x, backend, gpuFeatures))
  );
}

async function start(
  req: LoadRequest,
  backend: Backend,
  variant: ModelVariant,
  onProgress: ((p: LoadProgress) => void) | undefined,
  t0: number,
  fallbackReason?: string,
): Promise<EngineInfo> {
  const threads = backend === 'wasm' ? (req.threads ?? defaultThreads()) : 1;
  configureOrt(req.ortBaseUrl, req.threads ?? defaultThreads());
  const base = { variant: variant.id, variantName: variant.name };
  onProgress?.({ stage: 'download', loaded: 0, total: variant.bytes, ...base });
  const bytes = await loadModelBytes(req.modelBaseUrl, variant, {
    noCache: req.noCache,
    onProgress: (loaded, total) => onProgress?.({ stage: 'download', loaded, total, ...base }),
    onVerify: () => onProgress?.({ stage: 'verify', ...base }),
  });
  onProgress?.({ stage: 'session', fromCache: bytes.from === 'indexeddb', ...base });
  session = await createSession(bytes.data, backend, variant);
  info = {
    backend,
    variant,
    threads,
    crossOriginIsolated: self.crossOriginIsolated,
    simd: true,
    fallbackReason,
    modelFrom: bytes.from,
    storageWarning: bytes.storageWarning,
    loadMs: performance.now() - t0,
  };
  onProgress?.({ stage: 'ready', fromCache: bytes.from === 'indexeddb', ...base });
  return info;
}

const api = {
  async load(req: LoadRequest, onProgress?: (p: LoadProgress) => void): Promise<EngineInfo> {
    const t0 = performance.now();
    request = req;
    await session?.release();
    session = undefined;
    onProgress?.({ stage: 'manifest' });
    manifest = await fetchManifest(req.modelBaseUrl);
    let fallbackReason: string | undefined;
    if (req.backend !== 'wasm') {
      const probe = await probeWebGpu();
      gpuFeatures = probe.features;
      const v = probe.ok ? pickVariant(manifest, 'webgpu', req.variant) : undefined;
      if (probe.ok && v) {
        try {
          return await start(req, 'webgpu', v, onProgress, t0);
        } catch (err) {
          fallbackReason = `WebGPU failed (${(err as Error).message}); using WASM.`;
        }
      } else {
        fallbackReason = probe.reason ?? 'No model variant fits this WebGPU adapter.';
      }
      if (req.backend === 'webgpu') throw new JingjieError('RuntimeFailed', fallbackReason);
    }
    const v = pickVariant(manifest, 'wasm', req.variant);
    if (!v) throw new JingjieError('RuntimeFailed', `Model variant "${req.variant}" cannot run on WASM.`);
    return start(req, 'wasm', v, onProgress, t0, fallbackReason);
  },

  info(): EngineInfo | undefined {
    return info;
  },

  cancel(jobId: number): void {
    cancelled.add(jobId);
  },

  async remove(jobId: number, blob: Blob, opts: RemoveOptions = {}): Promise<WorkerResult> {
    if (!session || !info || !manifest || !request)
      throw new JingjieError('RuntimeFailed', 'The engine is not loaded.');
    const signal = {
      get aborted() {
        return cancelled.has(jobId);
      },
    } as AbortSignal;
    try {
      const t: StageTimings = {
        decode: 0,
        preprocess: 0,
        inference: 0,
        postprocess: 0,
        refine: 0,
        encode: 0,
        total: 0,
      };
      const tStart = performance.now();
      const lap = stageTimer<keyof StageTimings>(t);
      const img = await decode(blob, {
        maxPixels: opts.maxPixels,
        maxBytes: opts.maxBytes,
        fileName: opts.fileName ?? (blob instanceof File ? blob.name : undefined),
      });
      const { width: w, height: h } = img;
      lap('decode');
      throwIfAborted(signal);

      const input = preprocess(img.rgba, w, h, MODEL_SIZE);
      lap('preprocess');
      const raw = await runWithFallback(input);
      lap('inference');
      throwIfAborted(signal);

      const low = minMaxNormalize(raw);
      // Edge-aware upsampling only helps where the mask is stretched: photos larger than the
      // model's grid. Smaller ones take the reference path (bilinear).
      const guided = opts.refineEdges !== false && (w > MODEL_SIZE || h > MODEL_SIZE);
      const mask = guided ? undefined : upsampleMask(low, MODEL_SIZE, MODEL_SIZE, w, h);
      lap('postprocess');
      const alpha = mask ?? upsampleAlphaGuided(low, MODEL_SIZE, MODEL_SIZE, img.rgba, w, h);
      throwIfAborted(signal);
      // Soft pixels get the subject's own colour instead of a mix with the old background.
      const foreground = opts.decontaminate !== false ? estimateForeground(img.rgba, alpha, w, h) : undefined;
      const { x: fx, y: fy } = edgeFocus(alpha, w, h);
      lap('refine');

      const maskPng = opts.maskPng ? await encodeImage(alpha, w, h, 'png', 'gray') : undefined;
      const bg = opts.background ? parseHexColour(opts.background) : undefined;
      compose(img.rgba, alpha, { background: bg, keepSourceAlpha: img.hasAlpha, foreground });
      const out = await encodeImage(img.rgba, w, h, opts.format ?? 'png', 'rgba');
      lap('encode');
      t.total = performance.now() - tStart;

      const notice = img.notice;
      const result: WorkerResult = {
        blob: out,
        mask: alpha,
        maskPng,
        width: w,
        height: h,
        originalWidth: img.originalWidth,
        originalHeight: img.originalHeight,
        notice,
        notes: img.notes,
        edgeFocus: { x: fx, y: fy },
        backend: info.backend,
        variant: info.variant.id,
        timings: t,
      };
      return Comlink.transfer(result, [alpha.buffer]);
    } catch (err) {
      throw asJingjieError(err);
    } finally {
      cancelled.delete(jobId);
    }
  },

  /**
   * Re-export a finished cut-out without running the model again: flatten onto a colour or onto
   * an image of the user's (scaled to cover), and/or change the format.
   */
  async render(cutout: Blob, opts: RenderOptions = {}): Promise<Blob> {
    try {
      const img = bitmapToRgba(await decodeToBitmap(cutout));
      const { width: w, height: h } = img;
      if (opts.backgroundImage) {
        const bg = await decodeToBitmap(opts.backgroundImage);
        const s = Math.max(w / bg.width, h / bg.height);
        const canvas = new OffscreenCanvas(w, h);
        const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
        ctx.imageSmoothingQuality = 'high';
        ctx.drawImage(bg, (w - bg.width * s) / 2, (h - bg.height * s) / 2, bg.width * s, bg.height * s);
        bg.close();
        flattenOnto(img.rgba, ctx.getImageData(0, 0, w, h).data);
      } else if (opts.background) {
        const c = parseHexColour(opts.background);
        if (!c) throw new JingjieError('RuntimeFailed', `Not a colour: ${opts.background}`);
        compose(img.rgba, alphaOf(img.rgba), { background: c });
      }
      return await encodeImage(img.rgba, w, h, opts.format ?? 'png', 'rgba');
    } catch (err) {
      throw asJingjieError(err);
    }
  },

  async dispose(): Promise<void> {
    await session?.release();
    session = undefined;
    info = undefined;
  },
};

/** Run on the current session; if WebGPU fails mid-flight (device lost, kernel error), move to WASM and retry. */
async function runWithFallback(input: Float32Array): Promise<Float32Array> {
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
    await start({ ...request, backend: 'wasm' }, 'wasm', v, undefined, performance.now(), reason);
    return runModel(session!, info!.variant, input, MODEL_SIZE);
  }
}

export type InferenceApi = typeof api;

// Comlink sends a thrown Error as { name, message, stack } only; keep our errors' `detail` (file
// name, sizes, limits) so the page can say which file failed and why, in its own language. The
// page side needs nothing: Comlink's deserialize copies every field back onto the Error.
const throwHandler = Comlink.transferHandlers.get('throw')! as Comlink.TransferHandler<
  { value: unknown },
  { isError: boolean; value: Record<string, unknown> }
>;
Comlink.transferHandlers.set('throw', {
  canHandle: throwHandler.canHandle,
  serialize(thrown: { value: unknown }) {
    const [wire, transfer] = throwHandler.serialize(thrown);
    if (wire.isError && thrown.value instanceof JingjieError && thrown.value.detail)
      wire.value.detail = thrown.value.detail;
    return [wire, transfer];
  },
  deserialize: throwHandler.deserialize,
});

Comlink.expose(api);
