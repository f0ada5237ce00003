// The refine stage's alpha step as the worker runs it: matting in the model's uncertain band.

import { upsampleAlphaMatting, type MattingOptions } from './matting';
import type { AlphaInput } from './resample';

export type RefineOptions = MattingOptions;

/** The model's lw×lh alpha → a w×h alpha (0..255) refined from the photo's colours. */
export function refineAlpha(
  lowAlpha: AlphaInput,
  lw: number,
  lh: number,
  rgba: Uint8ClampedArray,
  w: number,
  h: number,
  opts: RefineOptions = {},
): Uint8ClampedArray {
  return upsampleAlphaMatting(lowAlpha, lw, lh, rgba, w, h, opts);
}
