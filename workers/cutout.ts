// One image from file bytes to the encoded cut-out and its mask, stage by stage (decode →
// preprocess → model → mask → refine → compose → encode), on any platform: the inference worker
// (jobs.ts) and the `jingjie` CLI (cli/) both run this, each giving its own decoder, model run
// and encoder, so the app and the CLI share every pixel step and its order.

import { stageTimer } from '../src/shared/stage-timer';
import type { FormatId } from '../src/shared/formats';
import type { RemoveOptions, RemoveProgress, RemoveResult, StageTimings } from '../src/shared/types';
import type { DecodeLimits, DecodeResult } from './pipeline/decode-core';
import type { PngColour } from './pipeline/png';
import { MODEL_SIZE, preprocess } from './pipeline/preprocess';
import { minMaxNormalize } from './pipeline/postprocess';
import { compose, parseHexColour } from './pipeline/compose';
import { cutoutAlpha, edgeFocus, unrefinedCrop } from './refine';

/** What differs between the browser and Node: the decoder, the model run and the encoder. */
export interface CutoutPlatform {
  decode(blob: Blob, limits: DecodeLimits): Promise<DecodeResult>;
  /** The model on a preprocessed [1,3,1024,1024] input: its raw [1,1,1024,1024] output. */
  infer(input: Float32Array): Promise<Float32Array>;
  encode(
    pixels: Uint8ClampedArray,
    width: number,
    height: number,
    format: FormatId,
    colour: PngColour,
  ): Promise<Blob>;
  /** Run between stages (the worker lets the page's abort in and stops there). */
  checkpoint?(): Promise<void>;
}

/** The engine's options; the CLI may also ask for a format without alpha (with a background). */
export type CutoutOptions = Omit<RemoveOptions, 'format'> & { format?: FormatId };

/** RemoveResult without what only the engine knows (which backend and variant ran). */
export type Cutout = Omit<RemoveResult, 'backend' | 'variant'>;

export async function cutOut(
  platform: CutoutPlatform,
  blob: Blob,
  opts: CutoutOptions = {},
  onProgress?: (code: RemoveProgress) => void,
): Promise<Cutout> {
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
  const img = await platform.decode(blob, {
    maxPixels: opts.maxPixels,
    maxBytes: opts.maxBytes,
    fileName: opts.fileName ?? (blob instanceof File ? blob.name : undefined),
  });
  const { width: w, height: h } = img;
  lap('decode');
  await platform.checkpoint?.();

  const input = preprocess(img.rgba, w, h, MODEL_SIZE);
  lap('preprocess');
  const raw = await platform.infer(input);
  lap('inference');
  await platform.checkpoint?.();

  const low = minMaxNormalize(raw);
  lap('postprocess');
  // Matting in the model's uncertain band for photos larger than its grid, then feathering
  // (workers/refine/README.md).
  if (opts.refineEdges !== false) onProgress?.('refine');
  const { alpha, foreground, refined } = cutoutAlpha(low, MODEL_SIZE, MODEL_SIZE, img.rgba, w, h, opts);
  await platform.checkpoint?.();
  const { x: fx, y: fy } = edgeFocus(alpha, w, h);
  // The checked window without refinement, so the result view can compare (before compose).
  const unrefined = refined ? unrefinedCrop(low, MODEL_SIZE, MODEL_SIZE, img.rgba, w, h, fx, fy) : undefined;
  lap('refine');

  const bg = opts.background ? parseHexColour(opts.background) : undefined;
  compose(img.rgba, alpha, { background: bg, keepSourceAlpha: img.hasAlpha, foreground });
  // The encoder (the cut-out) works while this thread filters the mask's rows.
  const [out, maskPng] = await Promise.all([
    platform.encode(img.rgba, w, h, opts.format ?? 'png', 'rgba'),
    opts.maskPng ? platform.encode(alpha, w, h, 'png', 'gray') : undefined,
  ]);
  lap('encode');
  t.total = performance.now() - tStart;

  return {
    blob: out,
    mask: alpha,
    maskPng,
    width: w,
    height: h,
    originalWidth: img.originalWidth,
    originalHeight: img.originalHeight,
    notice: img.notice,
    notes: img.notes,
    edgeFocus: { x: fx, y: fy, ...(unrefined ? { unrefined } : {}) },
    timings: t,
  };
}
