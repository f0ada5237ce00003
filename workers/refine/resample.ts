// Resampling helpers shared by the refine stages: area-average downsampling, align_corners=False
// tap tables and an edge-normalised box filter. Pure typed-array code, no DOM.

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

/**
 * Taps for resizing `inSize` samples to `outSize` (PyTorch bilinear, align_corners=False):
 * src = (dst + 0.5) * in / out - 0.5, clamped at 0; i1 = min(i0 + 1, in - 1).
 */
export interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  f: Float32Array; // weight of i1
}

export function linearTaps(inSize: number, outSize: number): Taps {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const f = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let d = 0; d < outSize; d++) {
    let s = (d + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    let a = Math.floor(s);
    if (a > inSize - 1) a = inSize - 1;
    i0[d] = a;
    i1[d] = a < inSize - 1 ? a + 1 : a;
    f[d] = s - a;
  }
  return { i0, i1, f };
}

/**
 * Area-average (box) resampling of an interleaved RGBA image (and optionally a separate 8-bit
 * alpha plane) from w×h down to lw×lh, into planar Float32 outputs in 0..1. Non-integer
 * factors are exact: a source pixel straddling two target cells is split by overlap. If an
 * axis is enlarged instead, falls back to bilinear sampling for the whole image.
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
): void {
  if (lw > w || lh > h) {
    sampleBilinear(rgba, alpha, w, h, lw, lh, outR, outG, outB, outA);
    return;
  }
  const sx = w / lw;
  const sy = h / lh;
  // Per source column: target cell and the share of the pixel that falls into it; the rest
  // goes to the next cell (index lw is a spill slot so the loop needs no branch).
  const tx = new Int32Array(w);
  const wx = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    let j = Math.floor(x / sx);
    if (j > lw - 1) j = lw - 1;
    const edge = (j + 1) * sx;
    tx[x] = j;
    wx[x] = x + 1 <= edge ? 1 : edge - x;
  }
  const hasA = alpha !== null && outA !== null;
  const C = hasA ? 4 : 3;
  const row = new Float32Array((lw + 1) * C);
  const acc = new Float32Array((lw + 1) * C * 2); // current and next target row
  const norm = 1 / (sx * sy * 255);
  let curT = 0;
  const flush = (t: number) => {
    const o = t * lw;
    for (let j = 0; j < lw; j++) {
      const q = j * C;
      outR[o + j] = acc[q] * norm;
      outG[o + j] = acc[q + 1] * norm;
      outB[o + j] = acc[q + 2] * norm;
      if (hasA) (outA as Float32Array)[o + j] = acc[q + 3] * norm;
    }
    // shift the "next" row into place
    const n = (lw + 1) * C;
    acc.copyWithin(0, n, 2 * n);
    acc.fill(0, n, 2 * n);
  };
  for (let y = 0; y < h; y++) {
    let t = Math.floor(y / sy);
    if (t > lh - 1) t = lh - 1;
    while (curT < t) flush(curT++);
    const edge = (t + 1) * sy;
    const wy = y + 1 <= edge ? 1 : edge - y;
    row.fill(0);
    let p = y * w * 4;
    if (hasA) {
      const al = alpha as Uint8Array;
      let ai = y * w;
      for (let x = 0; x < w; x++, p += 4, ai++) {
        const q = tx[x] * 4;
        const a = wx[x];
        const b = 1 - a;
        const r = rgba[p], g = rgba[p + 1], bl = rgba[p + 2], av = al[ai];
        row[q] += a * r; row[q + 1] += a * g; row[q + 2] += a * bl; row[q + 3] += a * av;
        row[q + 4] += b * r; row[q + 5] += b * g; row[q + 6] += b * bl; row[q + 7] += b * av;
      }
    } else {
      for (let x = 0; x < w; x++, p += 4) {
        const q = tx[x] * 3;
        const a = wx[x];
        const b = 1 - a;
        const r = rgba[p], g = rgba[p + 1], bl = rgba[p + 2];
        row[q] += a * r; row[q + 1] += a * g; row[q + 2] += a * bl;
        row[q + 3] += b * r; row[q + 4] += b * g; row[q + 5] += b * bl;
      }
    }
    const n = (lw + 1) * C;
    const wb = 1 - wy;
    for (let k = 0; k < lw * C; k++) {
      const v = row[k];
      acc[k] += wy * v;
      acc[n + k] += wb * v;
    }
  }
  while (curT < lh) flush(curT++);
}

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
): void {
  const X = linearTaps(w, lw);
  const Y = linearTaps(h, lh);
  const k = 1 / 255;
  for (let y = 0; y < lh; y++) {
    const r0 = Y.i0[y] * w, r1 = Y.i1[y] * w, fy = Y.f[y];
    for (let x = 0; x < lw; x++) {
      const c0 = X.i0[x], c1 = X.i1[x], fx = X.f[x];
      const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      const a = r0 + c0, b = r0 + c1, c = r1 + c0, d = r1 + c1;
      const o = y * lw + x;
      outR[o] = (w00 * rgba[a * 4] + w01 * rgba[b * 4] + w10 * rgba[c * 4] + w11 * rgba[d * 4]) * k;
      outG[o] = (w00 * rgba[a * 4 + 1] + w01 * rgba[b * 4 + 1] + w10 * rgba[c * 4 + 1] + w11 * rgba[d * 4 + 1]) * k;
      outB[o] = (w00 * rgba[a * 4 + 2] + w01 * rgba[b * 4 + 2] + w10 * rgba[c * 4 + 2] + w11 * rgba[d * 4 + 2]) * k;
      if (alpha && outA) outA[o] = (w00 * alpha[a] + w01 * alpha[b] + w10 * alpha[c] + w11 * alpha[d]) * k;
    }
  }
}

/**
 * Box mean over a (2r+1)² window with windows clipped at the border and normalised by the
 * number of pixels inside (He et al.'s N). `tmp` must hold w*h floats.
 */
export function boxMean(src: Float32Array, dst: Float32Array, w: number, h: number, r: number, tmp: Float32Array): void {
  // horizontal running sum
  for (let y = 0; y < h; y++) {
    const o = y * w;
    let s = 0;
    const lim = Math.min(r, w - 1);
    for (let x = 0; x <= lim; x++) s += src[o + x];
    for (let x = 0; x < w; x++) {
      const lo = x - r, hi = x + r;
      const n = (hi < w ? hi : w - 1) - (lo > 0 ? lo : 0) + 1;
      tmp[o + x] = s / n;
      if (hi + 1 < w) s += src[o + hi + 1];
      if (lo >= 0) s -= src[o + lo];
    }
  }
  // vertical running sum, row-wise to stay cache friendly
  const col = new Float64Array(w);
  const lim = Math.min(r, h - 1);
  for (let y = 0; y <= lim; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) col[x] += tmp[o + x];
  }
  for (let y = 0; y < h; y++) {
    const lo = y - r, hi = y + r;
    const inv = 1 / ((hi < h ? hi : h - 1) - (lo > 0 ? lo : 0) + 1);
    const o = y * w;
    for (let x = 0; x < w; x++) dst[o + x] = col[x] * inv;
    if (hi + 1 < h) {
      const a = (hi + 1) * w;
      for (let x = 0; x < w; x++) col[x] += tmp[a + x];
    }
    if (lo >= 0) {
      const a = lo * w;
      for (let x = 0; x < w; x++) col[x] -= tmp[a + x];
    }
  }
}
