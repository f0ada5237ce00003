// Alpha upsampling from the model's low-res grid to the photo: plain bilinear (baseline and
// the "refine off" path) and an edge-aware fast guided filter that only acts in the uncertain band.

import { type AlphaInput, alphaToFloat, boxMean, downsampleArea, linearTaps } from './resample';

export interface GuidedUpsampleOptions {
  /** Guided-filter window radius in low-res pixels. Default 2. */
  radius?: number;
  /** Regularisation ε of the guided filter (guide and alpha in 0..1). Default 1e-4. */
  eps?: number;
  /** Colour guide (RGB, 3×3 solve per window) or grey (luma). Default 'color'. */
  guide?: 'color' | 'gray';
  /**
   * Low-res alpha ≤ threshold counts as certainly transparent, ≥ 1 − threshold as certainly
   * opaque. A full-res pixel whose four bilinear taps are all certain keeps exactly 0 or 255;
   * only the others are refined. Default 1/255.
   */
  threshold?: number;
}

/**
 * Bilinear upsampling with PyTorch `align_corners=False` semantics (source coordinate
 * (d + 0.5)·in/out − 0.5, clamped at the border). Output: w*h alpha, 0..255, rounded.
 */
export function upsampleAlphaBilinear(
  lowAlpha: AlphaInput,
  lw: number,
  lh: number,
  _rgba: Uint8ClampedArray | null,
  w: number,
  h: number,
): Uint8ClampedArray {
  checkSizes(lowAlpha, lw, lh, w, h);
  const p = alphaToFloat(lowAlpha);
  const X = linearTaps(lw, w);
  const Y = linearTaps(lh, h);
  const out = new Uint8ClampedArray(w * h);
  const rowv = new Float32Array(lw);
  for (let y = 0; y < h; y++) {
    const r0 = Y.i0[y] * lw, r1 = Y.i1[y] * lw, fy = Y.f[y];
    for (let j = 0; j < lw; j++) {
      const a = p[r0 + j];
      rowv[j] = (a + fy * (p[r1 + j] - a)) * 255;
    }
    const o = y * w;
    for (let x = 0; x < w; x++) {
      const a = rowv[X.i0[x]];
      out[o + x] = a + X.f[x] * (rowv[X.i1[x]] - a);
    }
  }
  return out;
}

/**
 * Edge-aware upsampling: a fast guided filter (He & Sun 2015) fitted on the low-res grid
 * with the photo area-averaged to that grid as guide, its linear coefficients interpolated
 * bilinearly and applied to the full-res photo. Pixels whose bilinear taps are all certainly
 * 0 or 1 get exactly 0 or 255. Output: w*h alpha, 0..255.
 */
export function upsampleAlphaGuided(
  lowAlpha: AlphaInput,
  lw: number,
  lh: number,
  rgba: Uint8ClampedArray,
  w: number,
  h: number,
  opts: GuidedUpsampleOptions = {},
): Uint8ClampedArray {
  checkSizes(lowAlpha, lw, lh, w, h);
  if (rgba.length !== w * h * 4) throw new RangeError(`rgba has ${rgba.length} bytes, expected ${w * h * 4}`);
  const r = opts.radius ?? 2;
  const eps = opts.eps ?? 1e-4;
  const t = opts.threshold ?? 1 / 255;
  const p = alphaToFloat(lowAlpha);
  const n = lw * lh;

  // 1. Cell state for the bilinear quad whose top-left tap is (j, i): 0 = all taps certainly
  //    transparent, 1 = all certainly opaque, 2 = uncertain (refine).
  const tap = new Uint8Array(n);
  let anyUncertain = false;
  for (let k = 0; k < n; k++) {
    const v = p[k];
    tap[k] = v <= t ? 0 : v >= 1 - t ? 1 : 2;
  }
  const state = new Uint8Array(n);
  for (let i = 0; i < lh; i++) {
    const i1 = i < lh - 1 ? i + 1 : i;
    for (let j = 0; j < lw; j++) {
      const j1 = j < lw - 1 ? j + 1 : j;
      const a = tap[i * lw + j], b = tap[i * lw + j1], c = tap[i1 * lw + j], d = tap[i1 * lw + j1];
      const s = a === b && a === c && a === d && a !== 2 ? a : 2;
      state[i * lw + j] = s;
      if (s === 2) anyUncertain = true;
    }
  }

  // 2. Guided-filter coefficients on the low-res grid: q = A·RGB255 + B255.
  const coef = new Float32Array(n * 4); // interleaved ar, ag, ab, b (scaled for 0..255 input)
  if (anyUncertain) fitCoefficients(p, rgba, w, h, lw, lh, r, eps, opts.guide ?? 'color', coef);

  // 3. Full-res apply, row by row; coefficients interpolated in y once per row.
  const X = linearTaps(lw, w);
  const Y = linearTaps(lh, h);
  // Runs of output columns sharing the same left tap.
  const runStart = new Int32Array(lw + 1);
  {
    let j = 0;
    for (let x = 0; x < w; x++) while (j <= X.i0[x]) runStart[j++] = x;
    while (j <= lw) runStart[j++] = w;
  }
  const out = new Uint8ClampedArray(w * h);
  const crow = new Float32Array(lw * 4);
  let cachedY0 = -1, cachedFy = -1;
  for (let y = 0; y < h; y++) {
    const y0 = Y.i0[y], y1 = Y.i1[y], fy = Y.f[y];
    const srow = y0 * lw;
    const o = y * w;
    let rowReady = false;
    for (let j = 0; j < lw; j++) {
      const xs = runStart[j], xe = runStart[j + 1];
      if (xs === xe) continue;
      const s = state[srow + j];
      if (s === 0) continue;
      if (s === 1) {
        for (let x = xs; x < xe; x++) out[o + x] = 255;
        continue;
      }
      if (!rowReady) {
        if (y0 !== cachedY0 || fy !== cachedFy) {
          const a0 = y0 * lw * 4, a1 = y1 * lw * 4;
          for (let k = 0; k < lw * 4; k++) {
            const v = coef[a0 + k];
            crow[k] = v + fy * (coef[a1 + k] - v);
          }
          cachedY0 = y0;
          cachedFy = fy;
        }
        rowReady = true;
      }
      const c0 = j * 4;
      for (let x = xs; x < xe; x++) {
        const c1 = X.i1[x] * 4;
        const f = X.f[x];
        const ar = crow[c0] + f * (crow[c1] - crow[c0]);
        const ag = crow[c0 + 1] + f * (crow[c1 + 1] - crow[c0 + 1]);
        const ab = crow[c0 + 2] + f * (crow[c1 + 2] - crow[c0 + 2]);
        const bb = crow[c0 + 3] + f * (crow[c1 + 3] - crow[c0 + 3]);
        const q = (o + x) * 4;
        out[o + x] = ar * rgba[q] + ag * rgba[q + 1] + ab * rgba[q + 2] + bb;
      }
    }
  }
  return out;
}

function fitCoefficients(
  p: Float32Array,
  rgba: Uint8ClampedArray,
  w: number,
  h: number,
  lw: number,
  lh: number,
  r: number,
  eps: number,
  guide: 'color' | 'gray',
  coef: Float32Array,
): void {
  const n = lw * lh;
  const R = new Float32Array(n), G = new Float32Array(n), B = new Float32Array(n);
  downsampleArea(rgba, null, w, h, lw, lh, R, G, B, null);
  const tmp = new Float32Array(n);
  const prod = new Float32Array(n);
  const mean = (src: Float32Array): Float32Array => {
    const d = new Float32Array(n);
    boxMean(src, d, lw, lh, r, tmp);
    return d;
  };
  const meanOf = (a: Float32Array, b: Float32Array): Float32Array => {
    for (let k = 0; k < n; k++) prod[k] = a[k] * b[k];
    return mean(prod);
  };
  const mp = mean(p);
  const A = new Float32Array(n * 3);
  const Bc = new Float32Array(n);
  if (guide === 'gray') {
    const I = new Float32Array(n);
    for (let k = 0; k < n; k++) I[k] = 0.299 * R[k] + 0.587 * G[k] + 0.114 * B[k];
    const mI = mean(I), mIp = meanOf(I, p), mII = meanOf(I, I);
    for (let k = 0; k < n; k++) {
      const a = (mIp[k] - mI[k] * mp[k]) / (mII[k] - mI[k] * mI[k] + eps);
      A[k * 3] = 0.299 * a; A[k * 3 + 1] = 0.587 * a; A[k * 3 + 2] = 0.114 * a;
      Bc[k] = mp[k] - a * mI[k];
    }
  } else {
    const mR = mean(R), mG = mean(G), mB = mean(B);
    const mRp = meanOf(R, p), mGp = meanOf(G, p), mBp = meanOf(B, p);
    const mRR = meanOf(R, R), mRG = meanOf(R, G), mRB = meanOf(R, B);
    const mGG = meanOf(G, G), mGB = meanOf(G, B), mBB = meanOf(B, B);
    for (let k = 0; k < n; k++) {
      const ur = mR[k], ug = mG[k], ub = mB[k], up = mp[k];
      const cr = mRp[k] - ur * up, cg = mGp[k] - ug * up, cb = mBp[k] - ub * up;
      const s00 = mRR[k] - ur * ur + eps, s01 = mRG[k] - ur * ug, s02 = mRB[k] - ur * ub;
      const s11 = mGG[k] - ug * ug + eps, s12 = mGB[k] - ug * ub, s22 = mBB[k] - ub * ub + eps;
      // Σ⁻¹·c via the adjugate (Σ is symmetric positive definite thanks to ε).
      const i00 = s11 * s22 - s12 * s12, i01 = s02 * s12 - s01 * s22, i02 = s01 * s12 - s02 * s11;
      const i11 = s00 * s22 - s02 * s02, i12 = s01 * s02 - s00 * s12, i22 = s00 * s11 - s01 * s01;
      const det = s00 * i00 + s01 * i01 + s02 * i02;
      const id = 1 / det;
      const ar = (i00 * cr + i01 * cg + i02 * cb) * id;
      const ag = (i01 * cr + i11 * cg + i12 * cb) * id;
      const ab = (i02 * cr + i12 * cg + i22 * cb) * id;
      A[k * 3] = ar; A[k * 3 + 1] = ag; A[k * 3 + 2] = ab;
      Bc[k] = up - ar * ur - ag * ug - ab * ub;
    }
  }
  // Average the coefficients over the windows covering each pixel, then pack for 0..255 input.
  const chan = new Float32Array(n);
  for (let c = 0; c < 3; c++) {
    for (let k = 0; k < n; k++) chan[k] = A[k * 3 + c];
    const m = mean(chan);
    for (let k = 0; k < n; k++) coef[k * 4 + c] = m[k];
  }
  const mb = mean(Bc);
  for (let k = 0; k < n; k++) coef[k * 4 + 3] = mb[k] * 255;
}

function checkSizes(lowAlpha: AlphaInput, lw: number, lh: number, w: number, h: number): void {
  if (!(lw > 0 && lh > 0 && w > 0 && h > 0)) throw new RangeError('sizes must be positive');
  if (lowAlpha.length !== lw * lh) throw new RangeError(`lowAlpha has ${lowAlpha.length} values, expected ${lw * lh}`);
}
