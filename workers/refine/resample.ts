// Resampling helpers shared by the refine stages: area-average downsampling, runs of output
// columns per bilinear tap and an edge-normalised box filter. Pure typed-array code, no DOM.
// The align_corners=False tap tables are the pipeline's own (`axisTable` in pipeline/resize).

import { type AxisTable, axisTable, bilinearTap, newTap, tapValue } from '../pipeline/resize';

/** Input alpha at low resolution: Float32Array in 0..1, or 8-bit 0..255. */
export type AlphaInput = Float32Array | Uint8Array | Uint8ClampedArray;

/** Low-res alpha as Float32 0..1 (copies 8-bit input; returns Float32 input as is). */
export function alphaToFloat(a: AlphaInput): Float32Array {
  if (a instanceof Float32Array) return a;
  const out = new Float32Array(a.length);
  const k = 1 / 255;
  for (let i = 0; i < a.length; i++) out[i] = a[i] * k;
  return out;
}

/** Start column of each run of output columns sharing the same left tap (length in + 1). */
export function runStarts(X: AxisTable, inSize: number, outSize: number): Int32Array {
  const runStart = new Int32Array(inSize + 1);
  let j = 0;
  for (let x = 0; x < outSize; x++) while (j <= X.i0[x]) runStart[j++] = x;
  while (j <= inSize) runStart[j++] = outSize;
  return runStart;
}

/** Source spans of an area-average from `n` samples to `m` cells (m ≤ n). */
interface Spans {
  /** whole source samples [s0, s1) of each cell */
  s0: Int32Array;
  s1: Int32Array;
  /** partial sample before s0 (or -1) and its weight; partial sample at s1 (or -1) and its weight */
  lp: Int32Array;
  lw: Float64Array;
  rp: Int32Array;
  rw: Float64Array;
}

function areaSpans(n: number, m: number): Spans {
  const sc = n / m;
  const sp: Spans = {
    s0: new Int32Array(m),
    s1: new Int32Array(m),
    lp: new Int32Array(m),
    lw: new Float64Array(m),
    rp: new Int32Array(m),
    rw: new Float64Array(m),
  };
  for (let j = 0; j < m; j++) {
    const a = j * sc,
      b = j === m - 1 ? n : (j + 1) * sc;
    const ca = Math.ceil(a - 1e-9),
      fb = Math.max(ca, Math.floor(b + 1e-9));
    sp.s0[j] = ca;
    sp.s1[j] = fb;
    sp.lp[j] = ca - a > 1e-9 ? ca - 1 : -1;
    sp.lw[j] = ca - a;
    sp.rp[j] = b - fb > 1e-9 && fb < n ? fb : -1;
    sp.rw[j] = b - fb;
  }
  return sp;
}

/**
 * Area-average (box) resampling of an interleaved RGBA image (and optionally a separate 8-bit
 * alpha plane) from w×h down to lw×lh, into planar Float32 outputs in 0..1 (index y*lw+x).
 * Non-integer factors are exact: a source pixel straddling two cells is split by overlap.
 * `rect` = [cx0, cy0, cx1, cy1] limits the work to those cells; `rowStep` > 1 reads only every
 * rowStep-th source row (a cheaper estimate of the same mean). If an axis is enlarged
 * instead, falls back to bilinear sampling.
 */
export function downsampleArea(
  rgba: Uint8ClampedArray,
  alpha: Uint8Array | Uint8ClampedArray | null,
  w: number,
  h: number,
  lw: number,
  lh: number,
  outR: Float32Array,
  outG: Float32Array,
  outB: Float32Array,
  outA: Float32Array | null,
  rect?: readonly [number, number, number, number],
  spans?: { x: Spans; y: Spans },
  rowStep = 1,
): void {
  if (lw > w || lh > h || (rgba.byteOffset & 3) !== 0 || !LITTLE_ENDIAN) {
    sampleBilinear(rgba, alpha, w, h, lw, lh, outR, outG, outB, outA, rect ?? [0, 0, lw, lh]);
    return;
  }
  const [cx0, cy0, cx1, cy1] = rect ?? [0, 0, lw, lh];
  const px = new Uint32Array(rgba.buffer, rgba.byteOffset, w * h);
  const X = spans?.x ?? areaSpans(w, lw);
  const Y = spans?.y ?? areaSpans(h, lh);
  const hasA = alpha !== null && outA !== null;
  const al = alpha as Uint8Array;
  const nc = cx1 - cx0;
  const ar = new Float64Array(nc),
    ag = new Float64Array(nc),
    ab = new Float64Array(nc),
    aa = new Float64Array(nc);
  const normX = lw / (w * 255);
  for (let t = cy0; t < cy1; t++) {
    ar.fill(0);
    ag.fill(0);
    ab.fill(0);
    if (hasA) aa.fill(0);
    const y0 = Y.lp[t] >= 0 ? Y.lp[t] : Y.s0[t];
    const y1 = Y.rp[t] >= 0 ? Y.rp[t] + 1 : Y.s1[t];
    let wsum = 0;
    for (let y = y0; y < y1; y++) {
      if (rowStep > 1 && y % rowStep !== 0 && y !== y0) continue;
      const wy = y === Y.lp[t] ? Y.lw[t] : y === Y.rp[t] ? Y.rw[t] : 1;
      wsum += wy;
      const base = y * w;
      for (let j = cx0; j < cx1; j++) {
        let sr = 0,
          sg = 0,
          sb = 0;
        const e = X.s1[j];
        for (let x = X.s0[j]; x < e; x++) {
          const v = px[base + x];
          sr += v & 255;
          sg += (v >>> 8) & 255;
          sb += (v >>> 16) & 255;
        }
        let l = X.lp[j];
        if (l >= 0) {
          const v = px[base + l],
            k = X.lw[j];
          sr += k * (v & 255);
          sg += k * ((v >>> 8) & 255);
          sb += k * ((v >>> 16) & 255);
        }
        l = X.rp[j];
        if (l >= 0) {
          const v = px[base + l],
            k = X.rw[j];
          sr += k * (v & 255);
          sg += k * ((v >>> 8) & 255);
          sb += k * ((v >>> 16) & 255);
        }
        const q = j - cx0;
        ar[q] += wy * sr;
        ag[q] += wy * sg;
        ab[q] += wy * sb;
        if (hasA) {
          let sa = 0;
          for (let x = X.s0[j]; x < e; x++) sa += al[base + x];
          if (X.lp[j] >= 0) sa += X.lw[j] * al[base + X.lp[j]];
          if (X.rp[j] >= 0) sa += X.rw[j] * al[base + X.rp[j]];
          aa[q] += wy * sa;
        }
      }
    }
    const norm = normX / wsum;
    const o = t * lw + cx0;
    for (let q = 0; q < nc; q++) {
      outR[o + q] = ar[q] * norm;
      outG[o + q] = ag[q] * norm;
      outB[o + q] = ab[q] * norm;
    }
    if (hasA) for (let q = 0; q < nc; q++) outA[o + q] = aa[q] * norm;
  }
}

/** Precomputed spans for repeated `downsampleArea` calls on sub-rectangles. */
export function areaSpansFor(w: number, h: number, lw: number, lh: number): { x: Spans; y: Spans } {
  return { x: areaSpans(w, lw), y: areaSpans(h, lh) };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function sampleBilinear(
  rgba: Uint8ClampedArray,
  alpha: Uint8Array | Uint8ClampedArray | null,
  w: number,
  h: number,
  lw: number,
  lh: number,
  outR: Float32Array,
  outG: Float32Array,
  outB: Float32Array,
  outA: Float32Array | null,
  rect: readonly [number, number, number, number],
): void {
  const X = axisTable(w, lw);
  const Y = axisTable(h, lh);
  const k = 1 / 255;
  const t = newTap();
  for (let y = rect[1]; y < rect[3]; y++) {
    for (let x = rect[0]; x < rect[2]; x++) {
      bilinearTap(X, Y, x, y, w, t);
      const o = y * lw + x;
      outR[o] = tapValue(rgba, t, 4, 0) * k;
      outG[o] = tapValue(rgba, t, 4, 1) * k;
      outB[o] = tapValue(rgba, t, 4, 2) * k;
      if (alpha && outA) outA[o] = tapValue(alpha, t, 1, 0) * k;
    }
  }
}

/**
 * Box mean over a (2r+1)² window with windows clipped at the border and normalised by the
 * number of pixels inside (He et al.'s N). `tmp` must hold w*h floats.
 */
export function boxMean(
  src: Float32Array,
  dst: Float32Array,
  w: number,
  h: number,
  r: number,
  tmp: Float32Array,
): void {
  const invX = countInverse(w, r),
    invY = countInverse(h, r);
  const a = Math.min(r, w - 1);
  // horizontal running sums: add-only head, add/sub middle, sub-only tail
  for (let y = 0; y < h; y++) {
    const o = y * w;
    let s = 0;
    for (let x = 0; x <= a; x++) s += src[o + x];
    let x = 0;
    for (; x < w && x + r + 1 < w && x - r < 0; x++) {
      tmp[o + x] = s * invX[x];
      s += src[o + x + r + 1];
    }
    for (; x + r + 1 < w; x++) {
      tmp[o + x] = s * invX[x];
      s += src[o + x + r + 1] - src[o + x - r];
    }
    for (; x < w; x++) {
      tmp[o + x] = s * invX[x];
      if (x - r >= 0) s -= src[o + x - r];
    }
  }
  // vertical running sums, row-wise to stay cache friendly
  const col = new Float64Array(w);
  const b = Math.min(r, h - 1);
  for (let y = 0; y <= b; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) col[x] += tmp[o + x];
  }
  for (let y = 0; y < h; y++) {
    const iy = invY[y];
    const o = y * w;
    for (let x = 0; x < w; x++) dst[o + x] = col[x] * iy;
    const add = y + r + 1 < h ? (y + r + 1) * w : -1;
    const sub = y - r >= 0 ? (y - r) * w : -1;
    if (add >= 0 && sub >= 0) for (let x = 0; x < w; x++) col[x] += tmp[add + x] - tmp[sub + x];
    else if (add >= 0) for (let x = 0; x < w; x++) col[x] += tmp[add + x];
    else if (sub >= 0) for (let x = 0; x < w; x++) col[x] -= tmp[sub + x];
  }
}

function countInverse(n: number, r: number): Float64Array {
  const inv = new Float64Array(n);
  for (let i = 0; i < n; i++) inv[i] = 1 / (Math.min(n - 1, i + r) - Math.max(0, i - r) + 1);
  return inv;
}

/**
 * Certainty on the model's grid, shared by the guided filter (`upsample.ts`: which quads to
 * refine) and the matting (`matting.ts`: the trimap): 0 sure background, 1 sure foreground, 2
 * unknown (the band).
 */
export interface Trimap {
  /** Per low-res quad (top-left tap j, i): 0, 1 or 2. */
  state: Uint8Array;
  anyUnknown: boolean;
}

/**
 * Trimap on the model's grid: a bilinear quad whose four taps are all ≤ t (≥ 1 − t) is sure
 * background (foreground); every other quad is unknown. The band is therefore exactly as wide
 * as the model's own soft region, stretched by the upscale factor.
 */
export function trimapFromLowRes(p: Float32Array, lw: number, lh: number, t: number): Trimap {
  const n = lw * lh;
  const tap = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const v = p[k];
    tap[k] = v <= t ? 0 : v >= 1 - t ? 1 : 2;
  }
  const state = new Uint8Array(n);
  let anyUnknown = false;
  for (let i = 0; i < lh; i++) {
    const i1 = i < lh - 1 ? i + 1 : i;
    for (let j = 0; j < lw; j++) {
      const j1 = j < lw - 1 ? j + 1 : j;
      const a = tap[i * lw + j],
        b = tap[i * lw + j1],
        c = tap[i1 * lw + j],
        d = tap[i1 * lw + j1];
      const s = a === b && a === c && a === d && a !== 2 ? a : 2;
      state[i * lw + j] = s;
      if (s === 2) anyUnknown = true;
    }
  }
  return { state, anyUnknown };
}

/**
 * dst = src (0/1) dilated by r cells (Chebyshev distance) on a W×H grid: separable, rows then
 * columns. tmp and dst (at least W·H) may be reused scratch; every cell of dst is written.
 */
export function dilateMask(
  src: Uint8Array,
  W: number,
  H: number,
  r: number,
  tmp: Uint8Array = new Uint8Array(W * H),
  dst: Uint8Array = new Uint8Array(W * H),
): Uint8Array {
  for (let y = 0; y < H; y++) {
    const o = y * W;
    let last = -1e9;
    for (let x = 0; x < W; x++) {
      if (src[o + x]) last = x;
      tmp[o + x] = x - last <= r ? 1 : 0;
    }
    last = 1e9;
    for (let x = W - 1; x >= 0; x--) {
      if (src[o + x]) last = x;
      if (last - x <= r) tmp[o + x] = 1;
    }
  }
  for (let x = 0; x < W; x++) {
    let last = -1e9;
    for (let y = 0; y < H; y++) {
      if (tmp[y * W + x]) last = y;
      dst[y * W + x] = y - last <= r ? 1 : 0;
    }
    last = 1e9;
    for (let y = H - 1; y >= 0; y--) {
      if (tmp[y * W + x]) last = y;
      if (last - y <= r) dst[y * W + x] = 1;
    }
  }
  return dst;
}
