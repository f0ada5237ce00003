// The refine stage as the cut-out runs it: which alpha a photo gets (matting in the model's
// uncertain band, or the reference bilinear mask) and its foreground colours. The worker, the CLI
// and the edges bench all call `cutoutAlpha`, so the bench measures exactly what ships.

import { upsampleMask } from '../pipeline/postprocess';
import { upsampleAlphaMatting, type MattingOptions } from './matting';
import { estimateForeground } from './foreground';
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

/**
 * Whether a photo's edges are refined: only where the mask is stretched (a photo larger than the
 * model's grid). Smaller photos take the reference path (bilinear): on the scene family's tuning
 * seeds at 1024×768 the matting's re-composite error was no better than plain (median 0.98×)
 * and a hard-edged scene four times worse (docs/edges.md).
 */
export function refinesEdges(w: number, h: number, lw: number, lh: number, refineEdges = true): boolean {
  return refineEdges && (w > lw || h > lh);
}

/**
 * The matting options the cut-out runs with, chosen on the scene family's tuning seeds 1–48
 * (shipped path, medians of gradient / re-composite error vs plain; docs/edges.md):
 * - strand recovery 32 px beyond the model's mask: 0.90× / 0.87× → 0.80× / 0.80× (16 and 48 px
 *   did worse). It gives up refineAlpha's exact zero in sure background within that reach;
 * - a recovered pixel's significance halved at 0.5 σ² of the local background (not 1), and
 *   recovered specks under 16 px that touch nothing else dropped (grain and dots of a busy
 *   background, not strands): → 0.78× / 0.79×, worst whole-image SAD 1.01× → 1.00×.
 */
export const CUTOUT_MATTING: Readonly<MattingOptions> = { recover: 32, recoverZ2: 0.5, recoverMin: 16 };

export interface CutoutAlpha {
  /** w×h alpha, 0..255. */
  alpha: Uint8ClampedArray;
  /** RGBA with RGB = estimated foreground colour (absent with `decontaminate: false`). */
  foreground?: Uint8ClampedArray;
  /** Whether the matting ran (false: the reference bilinear mask). */
  refined: boolean;
}

/** The cut-out's alpha and colours from the model's (min-max normalised) lw×lh output. */
export function cutoutAlpha(
  low: Float32Array,
  lw: number,
  lh: number,
  rgba: Uint8ClampedArray,
  w: number,
  h: number,
  opts: { refineEdges?: boolean; decontaminate?: boolean } = {},
): CutoutAlpha {
  const refined = refinesEdges(w, h, lw, lh, opts.refineEdges);
  const alpha = refined
    ? refineAlpha(low, lw, lh, rgba, w, h, CUTOUT_MATTING)
    : upsampleMask(low, lw, lh, w, h);
  // Soft pixels get the subject's own colour instead of a mix with the old background.
  const foreground = opts.decontaminate !== false ? estimateForeground(rgba, alpha, w, h) : undefined;
  return { alpha, foreground, refined };
}
