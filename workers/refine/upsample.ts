// Edge-aware alpha upsampling from the model's low-res grid to the photo: a fast guided filter
// that only acts in the uncertain band (plain bilinear is pipeline/postprocess `upsampleMask`).

import { axisTable } from '../pipeline/resize';
import {
  type AlphaInput,
  alphaToFloat,
  areaSpansFor,
  boxMean,
  downsampleArea,
  runStarts,
  trimapFromLowRes,
} from './resample';
import { stageTimer } from '../../src/shared/stage-timer';

export interface GuidedUpsampleOptions {
  /** Guided-filter window radius in low-res pixels. Default 1 (3×3 low-res cells ≈ 12×9 px at 12 MP). */
  radius?: number;
  /** Regularisation ε of the guided filter (guide and alpha in 0..1). Default 1e-5. */
  eps?: number;
  /** Colour guide (RGB, 3×3 solve per window) or grey (luma). Default 'color'. */
  guide?: 'color' | 'gray';
  /**
   * Low-res alpha ≤ threshold counts as certainly transparent, ≥ 1 − threshold as certainly
   * opaque. A full-res pixel whose four bilinear taps are all certain keeps exactly 0 or 255;
   * only the others are refined. Default 5/255: a real model's background noise (a few
   * thousandths) must not count as an edge, and cells that faint carry no visible strand.
   */
  threshold?: number;
  /** If given, receives the milliseconds spent per stage. */
  timings?: Record<string, number>;
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
  if (rgba.byteOffset & 3) rgba = rgba.slice(); // 32-bit pixel reads need alignment
  const r = Math.max(1, Math.round(opts.radius ?? 1));
  const eps = opts.eps ?? 1e-5;
  const t = opts.threshold ?? 5 / 255;
  const p = alphaToFloat(lowAlpha);
  const n = lw * lh;
  const lap = stageTimer(opts.timings);

  // 1. Cell state for the bilinear quad whose top-left tap is (j, i): 0 = all taps certainly
  //    transparent, 1 = all certainly opaque, 2 = uncertain (refine).
  const { state, anyUnknown: anyUncertain } = trimapFromLowRes(p, lw, lh, t);

  // 2. Guided-filter coefficients on the low-res grid (q = A·RGB255 + B255), computed only in
  //    tiles that hold a tap of an uncertain quad. A tile's coefficients depend on guide and
  //    alpha within 2r cells, so each tile is solved on itself plus a 2r halo, and the guide is
  //    area-averaged only where some tile or halo needs it.
  const coef = new Float32Array(n * 4); // interleaved ar, ag, ab, b (scaled for 0..255 input)
  const T = TILE;
  const tx = Math.ceil(lw / T),
    ty = Math.ceil(lh / T);
  const active = new Uint8Array(tx * ty);
  if (anyUncertain) {
    for (let i = 0; i < lh; i++) {
      for (let j = 0; j < lw; j++) {
        if (state[i * lw + j] !== 2) continue;
        const i1 = i < lh - 1 ? i + 1 : i,
          j1 = j < lw - 1 ? j + 1 : j;
        active[((i / T) | 0) * tx + ((j / T) | 0)] = 1;
        active[((i / T) | 0) * tx + ((j1 / T) | 0)] = 1;
        active[((i1 / T) | 0) * tx + ((j / T) | 0)] = 1;
        active[((i1 / T) | 0) * tx + ((j1 / T) | 0)] = 1;
      }
    }
    const halo = 2 * r;
    // Guide cells needed: every active tile grown by the halo, as runs per low-res row.
    const R = new Float32Array(n),
      G = new Float32Array(n),
      B = new Float32Array(n);
    const spans = areaSpansFor(w, h, lw, lh);
    const colNeed = new Uint8Array(tx);
    for (let i = 0; i < lh; i++) {
      colNeed.fill(0);
      const a0 = Math.max(0, Math.floor((i - halo) / T)),
        a1 = Math.min(ty - 1, Math.floor((i + halo) / T));
      for (let a = a0; a <= a1; a++) for (let b = 0; b < tx; b++) colNeed[b] |= active[a * tx + b];
      for (let b = 0; b < tx;) {
        if (!colNeed[b]) {
          b++;
          continue;
        }
        let e = b;
        while (e < tx && colNeed[e]) e++;
        // runs further apart than 2·halo stay separate; closer ones were merged by the tiles
        const rect = [Math.max(0, b * T - halo), i, Math.min(lw, e * T + halo), i + 1] as const;
        downsampleArea(rgba, null, w, h, lw, lh, R, G, B, null, rect, spans);
        b = e;
      }
    }
    lap('guide');
    const ws = new GuidedWorkspace((T + 2 * halo) * (T + 2 * halo));
    const guide = opts.guide ?? 'color';
    for (let a = 0; a < ty; a++)
      for (let b = 0; b < tx; b++) {
        if (!active[a * tx + b]) continue;
        const j0 = b * T,
          i0 = a * T,
          j1 = Math.min(lw, j0 + T),
          i1 = Math.min(lh, i0 + T);
        fitTile(p, R, G, B, lw, lh, j0, i0, j1, i1, r, eps, guide, coef, ws);
      }
  }

  lap('fit');

  // 3. Full-res apply, row by row; coefficients interpolated in y once per row.
  const X = axisTable(lw, w);
  const Y = axisTable(lh, h);
  // Runs of output columns sharing the same left tap.
  const runStart = runStarts(X, lw, w);
  const out = new Uint8ClampedArray(w * h);
  // Coefficients interpolated in y for the current output row, filled on demand per column.
  const crow = new Float32Array(lw * 4);
  const crowY = new Int32Array(lw).fill(-1);
  for (let y = 0; y < h; y++) {
    const y0 = Y.i0[y],
      y1 = Y.i1[y],
      fy = Y.w1[y];
    const srow = y0 * lw;
    const a0 = y0 * lw * 4,
      a1 = y1 * lw * 4;
    const o = y * w;
    for (let j = 0; j < lw; j++) {
      const xs = runStart[j],
        xe = runStart[j + 1];
      if (xs === xe) continue;
      const s = state[srow + j];
      if (s === 0) continue;
      if (s === 1) {
        let k = j + 1;
        while (k < lw && state[srow + k] === 1) k++;
        out.fill(255, o + xs, o + runStart[k]);
        j = k - 1;
        continue;
      }
      const jn = j < lw - 1 ? j + 1 : j;
      for (let c = j; c <= jn; c++) {
        if (crowY[c] === y) continue;
        crowY[c] = y;
        const q = c * 4;
        crow[q] = coef[a0 + q] + fy * (coef[a1 + q] - coef[a0 + q]);
        crow[q + 1] = coef[a0 + q + 1] + fy * (coef[a1 + q + 1] - coef[a0 + q + 1]);
        crow[q + 2] = coef[a0 + q + 2] + fy * (coef[a1 + q + 2] - coef[a0 + q + 2]);
        crow[q + 3] = coef[a0 + q + 3] + fy * (coef[a1 + q + 3] - coef[a0 + q + 3]);
      }
      const c0 = j * 4,
        c1 = jn * 4;
      const ar0 = crow[c0],
        ag0 = crow[c0 + 1],
        ab0 = crow[c0 + 2],
        bb0 = crow[c0 + 3];
      const dar = crow[c1] - ar0,
        dag = crow[c1 + 1] - ag0,
        dab = crow[c1 + 2] - ab0,
        dbb = crow[c1 + 3] - bb0;
      for (let x = xs; x < xe; x++) {
        const f = X.w1[x];
        const q = (o + x) * 4;
        out[o + x] =
          (ar0 + f * dar) * rgba[q] +
          (ag0 + f * dag) * rgba[q + 1] +
          (ab0 + f * dab) * rgba[q + 2] +
          bb0 +
          f * dbb;
      }
    }
  }
  lap('apply');
  return out;
}

const TILE = 32;

/** Scratch buffers for one tile plus halo. */
class GuidedWorkspace {
  readonly f: Float32Array[];
  constructor(readonly size: number) {
    this.f = Array.from({ length: 22 }, () => new Float32Array(size));
  }
}

/**
 * Guided-filter coefficients for the cells [j0, j1) × [i0, i1), solved on that tile plus a
 * 2r halo (clipped at the image border, exactly like the whole-image filter).
 */
function fitTile(
  p: Float32Array,
  R: Float32Array,
  G: Float32Array,
  B: Float32Array,
  lw: number,
  lh: number,
  j0: number,
  i0: number,
  j1: number,
  i1: number,
  r: number,
  eps: number,
  guide: 'color' | 'gray',
  coef: Float32Array,
  ws: GuidedWorkspace,
): void {
  const halo = 2 * r;
  const x0 = Math.max(0, j0 - halo),
    y0 = Math.max(0, i0 - halo);
  const x1 = Math.min(lw, j1 + halo),
    y1 = Math.min(lh, i1 + halo);
  const rw = x1 - x0,
    rh = y1 - y0,
    m = rw * rh;
  const [lr, lg, lb, lp, tmp, mR, mG, mB, mp, mRp, mGp, mBp, mRR, mRG, mRB, mGG, mGB, mBB, a0, a1, a2, bb] =
    ws.f;
  for (let y = 0; y < rh; y++) {
    const s = (y0 + y) * lw + x0,
      d = y * rw;
    for (let x = 0; x < rw; x++) {
      lr[d + x] = R[s + x];
      lg[d + x] = G[s + x];
      lb[d + x] = B[s + x];
      lp[d + x] = p[s + x];
    }
  }
  const box = (src: Float32Array, dst: Float32Array) => boxMean(src, dst, rw, rh, r, tmp);
  const prod = mBB; // reused as scratch before its own turn (filled last)
  const boxProd = (u: Float32Array, v: Float32Array, dst: Float32Array) => {
    for (let k = 0; k < m; k++) prod[k] = u[k] * v[k];
    box(prod, dst);
  };
  box(lp, mp);
  if (guide === 'gray') {
    // grey guide in the R plane, luma weights folded into the coefficients afterwards
    for (let k = 0; k < m; k++) lr[k] = 0.299 * lr[k] + 0.587 * lg[k] + 0.114 * lb[k];
    box(lr, mR);
    boxProd(lr, lp, mRp);
    boxProd(lr, lr, mRR);
    for (let k = 0; k < m; k++) {
      const a = (mRp[k] - mR[k] * mp[k]) / (mRR[k] - mR[k] * mR[k] + eps);
      a0[k] = 0.299 * a;
      a1[k] = 0.587 * a;
      a2[k] = 0.114 * a;
      bb[k] = mp[k] - a * mR[k];
    }
  } else {
    box(lr, mR);
    box(lg, mG);
    box(lb, mB);
    boxProd(lr, lp, mRp);
    boxProd(lg, lp, mGp);
    boxProd(lb, lp, mBp);
    boxProd(lr, lr, mRR);
    boxProd(lr, lg, mRG);
    boxProd(lr, lb, mRB);
    boxProd(lg, lg, mGG);
    boxProd(lg, lb, mGB);
    for (let k = 0; k < m; k++) prod[k] = lb[k] * lb[k];
    box(prod, lp); // lp is no longer needed: holds mean(B·B)
    for (let k = 0; k < m; k++) {
      const ur = mR[k],
        ug = mG[k],
        ub = mB[k],
        up = mp[k];
      const cr = mRp[k] - ur * up,
        cg = mGp[k] - ug * up,
        cb = mBp[k] - ub * up;
      const s00 = mRR[k] - ur * ur + eps,
        s01 = mRG[k] - ur * ug,
        s02 = mRB[k] - ur * ub;
      const s11 = mGG[k] - ug * ug + eps,
        s12 = mGB[k] - ug * ub,
        s22 = lp[k] - ub * ub + eps;
      // Σ⁻¹·c via the adjugate (Σ is symmetric positive definite thanks to ε)
      const i00 = s11 * s22 - s12 * s12,
        i01 = s02 * s12 - s01 * s22,
        i02 = s01 * s12 - s02 * s11;
      const i11 = s00 * s22 - s02 * s02,
        i12 = s01 * s02 - s00 * s12,
        i22 = s00 * s11 - s01 * s01;
      const id = 1 / (s00 * i00 + s01 * i01 + s02 * i02);
      const ar = (i00 * cr + i01 * cg + i02 * cb) * id;
      const ag = (i01 * cr + i11 * cg + i12 * cb) * id;
      const ab = (i02 * cr + i12 * cg + i22 * cb) * id;
      a0[k] = ar;
      a1[k] = ag;
      a2[k] = ab;
      bb[k] = up - ar * ur - ag * ug - ab * ub;
    }
  }
  // average the coefficients over every window covering a cell
  box(a0, mR);
  box(a1, mG);
  box(a2, mB);
  box(bb, mp);
  for (let y = i0; y < i1; y++) {
    const d = (y - y0) * rw - x0;
    for (let x = j0; x < j1; x++) {
      const k = d + x,
        o = (y * lw + x) * 4;
      coef[o] = mR[k];
      coef[o + 1] = mG[k];
      coef[o + 2] = mB[k];
      coef[o + 3] = mp[k] * 255;
    }
  }
}

function checkSizes(lowAlpha: AlphaInput, lw: number, lh: number, w: number, h: number): void {
  if (!(lw > 0 && lh > 0 && w > 0 && h > 0)) throw new RangeError('sizes must be positive');
  if (lowAlpha.length !== lw * lh)
    throw new RangeError(`lowAlpha has ${lowAlpha.length} values, expected ${lw * lh}`);
}
