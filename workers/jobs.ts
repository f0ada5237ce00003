// A job of the inference worker: one image from file bytes to the encoded cut-out and its mask,
// stage by stage (decode → preprocess → model → mask → refine → compose → encode), checking the
// page's AbortSignal between stages.

import * as Comlink from 'comlink';
import { asJingjieError, throwIfAborted } from '../src/shared/errors';
import { stageTimer } from '../src/shared/stage-timer';
import type { RemoveOptions, RemoveProgress, RemoveResult, StageTimings } from '../src/shared/types';
import { decode } from './pipeline/decode';
import { MODEL_SIZE, preprocess } from './pipeline/preprocess';
import { minMaxNormalize, upsampleMask } from './pipeline/postprocess';
import { compose, parseHexColour } from './pipeline/compose';
import { encodeImage } from './pipeline/encode';
import { edgeFocus, estimateForeground, refineAlpha, unrefinedCrop } from './refine';
import { infer, loaded } from './model-host';

/** What a job returns: exactly the engine's RemoveResult (the mask's buffer is transferred). */
export type WorkerResult = RemoveResult;

/**
 * Between stages: let queued messages in (the page's abort arrives as one, and a stage runs
 * without yielding), then stop if the job was cancelled.
 */
async function checkpoint(signal?: AbortSignal): Promise<void> {
  if (!signal) return;
  await new Promise((resolve) => setTimeout(resolve, 0));
  throwIfAborted(signal);
}

export const jobs = {
  /**
   * Cut out one image. `signal` is the page's own AbortSignal (src/shared/abort-transfer.ts):
   * checked between stages, a cancelled job rejects with AbortError.
   */
  async remove(
    blob: Blob,
    opts: RemoveOptions = {},
    signal?: AbortSignal,
    onProgress?: (code: RemoveProgress) => void,
  ): Promise<WorkerResult> {
    loaded(); // fails at once when no model is loaded
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
      await checkpoint(signal);

      const input = preprocess(img.rgba, w, h, MODEL_SIZE);
      lap('preprocess');
      const raw = await infer(input);
      lap('inference');
      await checkpoint(signal);

      const low = minMaxNormalize(raw);
      // Edge-aware upsampling only helps where the mask is stretched: photos larger than the
      // model's grid. Smaller ones take the reference path (bilinear).
      const guided = opts.refineEdges !== false && (w > MODEL_SIZE || h > MODEL_SIZE);
      const mask = guided ? undefined : upsampleMask(low, MODEL_SIZE, MODEL_SIZE, w, h);
      lap('postprocess');
      // Matting in the model's uncertain band (workers/refine/README.md); can pass a second at 12 MP.
      if (guided) onProgress?.('refine');
      const alpha = mask ?? refineAlpha(low, MODEL_SIZE, MODEL_SIZE, img.rgba, w, h);
      await checkpoint(signal);
      // Soft pixels get the subject's own colour instead of a mix with the old background.
      const foreground = opts.decontaminate !== false ? estimateForeground(img.rgba, alpha, w, h) : undefined;
      const { x: fx, y: fy } = edgeFocus(alpha, w, h);
      // The checked window without refinement, so the result view can compare (before compose).
      const unrefined = guided
        ? unrefinedCrop(low, MODEL_SIZE, MODEL_SIZE, img.rgba, w, h, fx, fy)
        : undefined;
      lap('refine');

      const bg = opts.background ? parseHexColour(opts.background) : undefined;
      compose(img.rgba, alpha, { background: bg, keepSourceAlpha: img.hasAlpha, foreground });
      // The browser's encoder (the cut-out) works while this thread filters the mask's rows.
      const [out, maskPng] = await Promise.all([
        encodeImage(img.rgba, w, h, opts.format ?? 'png', 'rgba'),
        opts.maskPng ? encodeImage(alpha, w, h, 'png', 'gray') : undefined,
      ]);
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
        edgeFocus: { x: fx, y: fy, ...(unrefined ? { unrefined } : {}) },
        // Read after the run: a WebGPU failure inside it moved the engine to WASM.
        backend: loaded().info.backend,
        variant: loaded().info.variant.id,
        timings: t,
      };
      return Comlink.transfer(result, [alpha.buffer]);
    } catch (err) {
      throw asJingjieError(err);
    }
  },
};
