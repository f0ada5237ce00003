// The refine stage as the cut-out runs it: which alpha a photo gets (matting in the model's
// uncertain band, or the reference bilinear mask) and its foreground colours. The worker, the CLI
// and the edges bench all call `cutoutAlpha`, so the bench measures exactly what ships.

import { upsampleMask } from '../pipeline/postprocess';
import { upsampleAlphaMatting, type MattingOptions } from './matting';
import { estimateForeground, type ForegroundOptions } from './foreground';
import { featherAlpha, type FeatherOptions } from './feather';
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
 * Whether a photo's edges get the matting: only where the mask is stretched (a photo larger than
 * the model's grid). Smaller photos start from the reference bilinear mask: on the scene family's
 * tuning seeds at 1024×768 the matting's re-composite error was no better than plain (median
 * 0.98×) and a hard-edged scene four times worse (docs/edges.md). Re-checked with recovery and
 * feathering on (seeds 1–48): re-composite median unchanged, hard-edged seed 12 4.2× worse. Every
 * photo is then feathered.
 */
function mattesEdges(w: number, h: number, lw: number, lh: number): boolean {
  return w > lw || h > lh;
}

/**
 * The matting options the cut-out runs with, chosen on the scene family's tuning seeds 1–48
 * (shipped path, medians of gradient / re-composite error vs plain; docs/edges.md):
 * - strand recovery 32 px beyond the model's mask: 0.90× / 0.87× → 0.80× / 0.80× (16 and 48 px
 *   did worse). It gives up refineAlpha's exact zero in sure background within that reach;
 * - a recovered pixel's significance halved at 0.5 σ² of the local background (not 1), and
 *   recovered specks under 16 px that touch nothing else dropped (grain and dots of a busy
 *   background, not strands): → 0.78× / 0.79×, worst whole-image SAD 1.01× → 1.00×;
 * - the ambiguity rule (k = 10 from a model alpha of 0.9: a band pixel within the spread of the
 *   subject's sure colours keeps a confident model's alpha), chosen on tuning seeds 1–96: gradient
 *   0.756× → 0.752×, re-composite 0.739× → 0.737×, band SAD 0.864× → 0.862×, worst whole-image SAD
 *   1.006× → 1.002×, and hard-edged seed 54 no longer worse than plain. From 0.8: gradient
 *   0.750×, band SAD 0.855×, but re-composite 0.743×, worse than without the rule.
 */
export const CUTOUT_MATTING: Readonly<MattingOptions> = {
  recover: 32,
  recoverZ2: 0.5,
  recoverMin: 16,
  ambiguity: 10,
  ambiguityFrom: 0.9,
};

/**
 * The feathering the cut-out runs on every photo's alpha (soft pixels only), chosen on the scene
 * family's tuning seeds 1–48 (shipped path, medians vs plain; docs/edges.md): radius 3, ε 1e-4:
 * gradient / re-composite 0.78× / 0.79× → 0.76× / 0.73×, no hard-edged scene worse. Radius 4 did
 * as well (0.76× / 0.72×) at more cost; feathering only the matted (larger) photos 0.78× / 0.76×.
 */
export const CUTOUT_FEATHER: Readonly<FeatherOptions> = { radius: 3, eps: 1e-4 };

/**
 * The foreground estimate the cut-out runs: the colour correction scaled down where the alpha is
 * flat (its range over ±2 model cells under 20 % of 0..255), chosen on the scene family's tuning
 * seeds 1–96 (shipped path, re-composite median vs plain; docs/edges.md): 0.763× → 0.739×, and
 * the hard-edged seeds 60 and 90 no longer worse than plain (an inside the model was unsure of
 * got a colour extrapolated far from the photo's). Ranges 15 % and 25 % did the same; radius 3
 * less well.
 */
export const CUTOUT_FOREGROUND: Readonly<ForegroundOptions> = { flatRange: 0.2, flatRadius: 2 };

export interface CutoutAlpha {
  /** w×h alpha, 0..255. */
  alpha: Uint8ClampedArray;
  /** RGBA with RGB = estimated foreground colour (absent with `decontaminate: false`). */
  foreground?: Uint8ClampedArray;
  /** Whether the edges were refined (feathered; matted first when larger than the grid). */
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
  const refined = opts.refineEdges !== false;
  let alpha =
    refined && mattesEdges(w, h, lw, lh)
      ? refineAlpha(low, lw, lh, rgba, w, h, CUTOUT_MATTING)
      : upsampleMask(low, lw, lh, w, h);
  if (refined) alpha = featherAlpha(alpha, rgba, w, h, CUTOUT_FEATHER);
  // Soft pixels get the subject's own colour instead of a mix with the old background.
  const foreground =
    opts.decontaminate !== false ? estimateForeground(rgba, alpha, w, h, CUTOUT_FOREGROUND) : undefined;
  return { alpha, foreground, refined };
}
