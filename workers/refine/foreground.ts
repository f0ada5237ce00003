// Foreground colour estimation (colour decontamination): multi-level foreground estimation
// (Germer et al. 2020) on a reduced grid, then a per-pixel closed-form correction at full res.

import { axisTable, lerpColumn } from '../pipeline/resize';
import { downsampleArea } from './resample';
import { stageTimer } from '../../src/shared/stage-timer';

export interface ForegroundOptions {
  /** Long side of the grid the multi-level solver runs on. Default 512. */
  workingSize?: number;
  /** ε of the smoothness weights (Germer et al.: 1e-5). */
  regularization?: number;
  /** Weight of |Δα| in the smoothness weights (Germer et al.: 1). */
  gradientWeight?: number;
  /** Gauss–Seidel sweeps on levels whose short side ≤ smallSize. Default 10. */
  smallIterations?: number;
  /** Sweeps on the larger levels. Default 2. */
  bigIterations?: number;
  /** Default 32. */
  smallSize?: number;
  /**
   * Weight of the low-res prior in the full-res correction (larger: trust the smooth
   * low-res F/B more than the exact compositing equation at each pixel). Default 0.01.
   */
  priorWeight?: number;
  /**
   * Keep the photo's colour where the alpha is flat: the per-pixel correction is scaled by the
   * alpha's local range (max − min over the window below) divided by this share of 0..255, capped
   * at 1. Where a soft alpha has no local structure (an inside the model is unsure of) the
   * compositing equation cannot tell F from B, and the correction would extrapolate the colour.
   * 0 (default) turns it off.
   */
  flatRange?: number;
  /** Radius of that window in blocks of about one model cell (`max(w, h) / 1024` px). Default 2. */
  flatRadius?: number;
  /** Colour written under alpha = 0: the estimated foreground (default) or black. */
  transparent?: 'estimate' | 'zero';
  /** If given, receives the milliseconds spent per stage. */
  timings?: Record<string, number>;
}

/**
 * Estimates the foreground colour F of every pixel so that rgba ≈ α·F + (1 − α)·B.
 * Returns RGBA: RGB = estimated F, A = the given alpha. Pixels with alpha 255 keep their RGB
 * exactly; pixels with alpha 0 get the estimate (or 0 with `transparent: 'zero'`).
 */
export function estimateForeground(
  rgba: Uint8ClampedArray,
  alpha: Uint8Array | Uint8ClampedArray,
  w: number,
  h: number,
  opts: ForegroundOptions = {},
): Uint8ClampedArray {
  if (!(w > 0 && h > 0)) throw new RangeError('sizes must be positive');
  if (rgba.length !== w * h * 4) throw new RangeError(`rgba has ${rgba.length} bytes, expected ${w * h * 4}`);
  if (alpha.length !== w * h) throw new RangeError(`alpha has ${alpha.length} values, expected ${w * h}`);
  const ws = opts.workingSize ?? 512;
  const s = Math.min(1, ws / Math.max(w, h));
  const lw = Math.max(1, Math.round(w * s));
  const lh = Math.max(1, Math.round(h * s));
  const n = lw * lh;
  const lap = stageTimer(opts.timings);

  // 1. Reduced grid: area averages keep I ≈ αF + (1−α)B when F and B are locally smooth.
  const R = new Float32Array(n),
    G = new Float32Array(n),
    B = new Float32Array(n),
    A = new Float32Array(n);
  // Reading about two source rows per cell is enough: F and B here only serve as a smooth prior
  // (measured: every 4th row at 12 MP costs a third of reading all rows, at equal error).
  downsampleArea(
    rgba,
    alpha,
    w,
    h,
    lw,
    lh,
    R,
    G,
    B,
    A,
    undefined,
    undefined,
    Math.max(1, Math.round(h / lh / 2)),
  );
  const img = new Float32Array(n * 3);
  for (let k = 0; k < n; k++) {
    img[k * 3] = R[k];
    img[k * 3 + 1] = G[k];
    img[k * 3 + 2] = B[k];
  }

  lap('downsample');

  // 2. Multi-level solve: fb holds F (0..2) and B (3..5) interleaved, values in 0..1.
  const fb = multiLevel(img, A, lw, lh, opts);

  lap('multilevel');

  // 3. Full res. Opaque: the original pixel (one 32-bit copy); transparent: black or the
  //    nearest low-res F; partial: the low-res F/B as prior plus a per-pixel correction.
  const out = new Uint8ClampedArray(w * h * 4);
  const src = rgba.byteOffset & 3 ? rgba.slice() : rgba;
  const in32 = new Uint32Array(src.buffer, src.byteOffset, w * h);
  const out32 = new Uint32Array(out.buffer, 0, w * h);
  const opaqueBit = packRGBA(0, 0, 0, 255);
  const fillZero = opts.transparent === 'zero';
  const lam = opts.priorWeight ?? 0.01;
  const X = axisTable(lw, w);
  const Y = axisTable(lh, h);
  const row = new Float32Array(lw * 6);
  const rowY = new Int32Array(lw).fill(-1);
  // nearest low-res F, packed, for the transparent pixels
  const packed = new Uint32Array(fillZero ? 0 : n);
  const pk8 = new Uint8ClampedArray(packed.buffer);
  for (let k = 0; k < packed.length; k++) {
    pk8[k * 4] = fb[k * 6] * 255;
    pk8[k * 4 + 1] = fb[k * 6 + 1] * 255;
    pk8[k * 4 + 2] = fb[k * 6 + 2] * 255;
  }
  const flat = opts.flatRange ? flatness(alpha, w, h, opts.flatRadius ?? 2) : null;
  const flatK = opts.flatRange ? 1 / (opts.flatRange * 255) : 0;
  const xn = new Int32Array(w);
  for (let x = 0; x < w; x++) xn[x] = Math.min(lw - 1, Math.floor(((x + 0.5) * lw) / w));
  const inv = 1 / 255;
  const a32 =
    (alpha.byteOffset & 3) === 0 ? new Uint32Array(alpha.buffer, alpha.byteOffset, (w * h) >> 2) : null;
  for (let y = 0; y < h; y++) {
    const y0 = Y.i0[y],
      y1 = Y.i1[y],
      fy = Y.w1[y];
    const pn = Math.min(lh - 1, Math.floor(((y + 0.5) * lh) / h)) * lw;
    const flatRow = flat === null ? 0 : ((y / flat.s) | 0) * flat.bw;
    const o = y * w;
    for (let x = 0; x < w; x++) {
      const i = o + x;
      // four certain pixels at once (the common case away from edges)
      if (a32 !== null && (i & 3) === 0 && x + 4 <= w) {
        const v = a32[i >> 2];
        if (v === 0xffffffff) {
          out32[i] = in32[i] | opaqueBit;
          out32[i + 1] = in32[i + 1] | opaqueBit;
          out32[i + 2] = in32[i + 2] | opaqueBit;
          out32[i + 3] = in32[i + 3] | opaqueBit;
          x += 3;
          continue;
        }
        if (v === 0) {
          if (!fillZero) {
            out32[i] = packed[pn + xn[x]];
            out32[i + 1] = packed[pn + xn[x + 1]];
            out32[i + 2] = packed[pn + xn[x + 2]];
            out32[i + 3] = packed[pn + xn[x + 3]];
          }
          x += 3;
          continue;
        }
      }
      const a8 = alpha[i];
      if (a8 === 255) {
        out32[i] = in32[i] | opaqueBit;
        continue;
      }
      if (a8 === 0) {
        if (!fillZero) out32[i] = packed[pn + xn[x]];
        continue;
      }
      // F0/B0 of the two low-res columns around x, interpolated in y once per output row
      const j0 = X.i0[x],
        j1 = X.i1[x];
      if (rowY[j0] !== y) {
        lerpColumn(fb, row, 6, j0, y0 * lw * 6, y1 * lw * 6, fy);
        rowY[j0] = y;
      }
      if (rowY[j1] !== y) {
        lerpColumn(fb, row, 6, j1, y0 * lw * 6, y1 * lw * 6, fy);
        rowY[j1] = y;
      }
      const c0 = j0 * 6,
        c1 = j1 * 6,
        f = X.w1[x];
      const fr = row[c0] + f * (row[c1] - row[c0]);
      const fg = row[c0 + 1] + f * (row[c1 + 1] - row[c0 + 1]);
      const fbl = row[c0 + 2] + f * (row[c1 + 2] - row[c0 + 2]);
      const br = row[c0 + 3] + f * (row[c1 + 3] - row[c0 + 3]);
      const bg = row[c0 + 4] + f * (row[c1 + 4] - row[c0 + 4]);
      const bb = row[c0 + 5] + f * (row[c1 + 5] - row[c0 + 5]);
      // min |αF + (1−α)B − I|² + λ(|F − F0|² + |B − B0|²)  ⇒  F = F0 + α·res / (α² + (1−α)² + λ)
      const a = a8 * inv,
        a1 = 1 - a;
      const k = (a * 255) / (a * a + a1 * a1 + lam);
      const q = i * 4;
      const rr = src[q] * inv - a * fr - a1 * br;
      const rg = src[q + 1] * inv - a * fg - a1 * bg;
      const rb = src[q + 2] * inv - a * fbl - a1 * bb;
      if (flat === null) {
        out[q] = fr * 255 + k * rr;
        out[q + 1] = fg * 255 + k * rg;
        out[q + 2] = fbl * 255 + k * rb;
      } else {
        // F = I + t·(F̂ − I): t from the alpha's local range
        const r = flat.range[flatRow + flat.col[x]] * flatK;
        const t = r < 1 ? r : 1;
        out[q] = src[q] + t * (fr * 255 + k * rr - src[q]);
        out[q + 1] = src[q + 1] + t * (fg * 255 + k * rg - src[q + 1]);
        out[q + 2] = src[q + 2] + t * (fbl * 255 + k * rb - src[q + 2]);
      }
      out[q + 3] = a8;
    }
  }
  lap('fullres');
  return out;
}

/**
 * The alpha's local range on blocks of about one model cell (s px): per block its min and max,
 * then max − min over (2r + 1)² blocks (separable running extremes).
 */
function flatness(
  alpha: Uint8Array | Uint8ClampedArray,
  w: number,
  h: number,
  r: number,
): { range: Uint8Array; s: number; bw: number; col: Int32Array } {
  const s = Math.max(1, Math.round(Math.max(w, h) / 1024));
  const bw = Math.ceil(w / s),
    bh = Math.ceil(h / s);
  const mn = new Uint8Array(bw * bh).fill(255),
    mx = new Uint8Array(bw * bh);
  const col = new Int32Array(w);
  for (let x = 0; x < w; x++) col[x] = (x / s) | 0;
  // blocks of whole 32-bit words (s and w multiples of 4, as at 12 MP): a word of 0 or of 255s
  // settles its four pixels at once
  const a32 =
    s % 4 === 0 && w % 4 === 0 && (alpha.byteOffset & 3) === 0
      ? new Uint32Array(alpha.buffer, alpha.byteOffset, (w * h) >> 2)
      : null;
  for (let y = 0; y < h; y++) {
    const row = ((y / s) | 0) * bw;
    if (a32 !== null) {
      const end = ((y + 1) * w) >> 2; // the last block of a row may be narrower
      for (let bx = 0, q = (y * w) >> 2; bx < bw; bx++) {
        let lo = mn[row + bx],
          hi = mx[row + bx];
        for (let e = Math.min(end, q + s / 4); q < e; q++) {
          const v = a32[q];
          if (v === 0) lo = 0;
          else if (v === 0xffffffff) hi = 255;
          else
            for (let k = 0; k < 32; k += 8) {
              const a = (v >>> k) & 255;
              if (a < lo) lo = a;
              if (a > hi) hi = a;
            }
        }
        mn[row + bx] = lo;
        mx[row + bx] = hi;
      }
      continue;
    }
    for (let bx = 0, x = 0, i = y * w; bx < bw; bx++) {
      const e = Math.min(w, x + s);
      let lo = mn[row + bx],
        hi = mx[row + bx];
      for (; x < e; x++, i++) {
        const a = alpha[i];
        if (a < lo) lo = a;
        if (a > hi) hi = a;
      }
      mn[row + bx] = lo;
      mx[row + bx] = hi;
    }
  }
  // extremes over ±r blocks: along each row, then over rows (whole rows at a time)
  const hMx = new Uint8Array(bw * bh),
    hMn = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    const o = y * bw;
    for (let x = 0; x < bw; x++) {
      let hi = 0,
        lo = 255;
      for (let j = Math.max(0, x - r), e = Math.min(bw - 1, x + r); j <= e; j++) {
        if (mx[o + j] > hi) hi = mx[o + j];
        if (mn[o + j] < lo) lo = mn[o + j];
      }
      hMx[o + x] = hi;
      hMn[o + x] = lo;
    }
  }
  const range = new Uint8Array(bw * bh),
    lo = new Uint8Array(bw);
  for (let y = 0; y < bh; y++) {
    const o = y * bw;
    lo.fill(255);
    for (let j = Math.max(0, y - r), e = Math.min(bh - 1, y + r); j <= e; j++) {
      const q = j * bw;
      for (let x = 0; x < bw; x++) {
        if (hMx[q + x] > range[o + x]) range[o + x] = hMx[q + x];
        if (hMn[q + x] < lo[x]) lo[x] = hMn[q + x];
      }
    }
    for (let x = 0; x < bw; x++) range[o + x] -= lo[x];
  }
  return { range, s, bw, col };
}

/**
 * Germer et al.'s coarse-to-fine solver on a w×h grid. img: interleaved RGB 0..1. Result: F
 * (0..2) and B (3..5) interleaved per pixel. Exported for the reference test only.
 */
export function multiLevel(
  img: Float32Array,
  alpha: Float32Array,
  w: number,
  h: number,
  opts: ForegroundOptions,
): Float32Array {
  const reg = opts.regularization ?? 1e-5;
  const gw = opts.gradientWeight ?? 1;
  const smallIt = opts.smallIterations ?? 10;
  const bigIt = opts.bigIterations ?? 2;
  const smallSize = opts.smallSize ?? 32;
  const n = w * h;
  const levels = Math.max(1, Math.ceil(Math.log2(Math.max(w, h))));

  // Start from the alpha-weighted mean colours.
  let sf0 = 0,
    sf1 = 0,
    sf2 = 0,
    sb0 = 0,
    sb1 = 0,
    sb2 = 0,
    sa = 0;
  for (let k = 0; k < n; k++) {
    const a = alpha[k],
      b = 1 - a;
    sf0 += a * img[k * 3];
    sf1 += a * img[k * 3 + 1];
    sf2 += a * img[k * 3 + 2];
    sb0 += b * img[k * 3];
    sb1 += b * img[k * 3 + 1];
    sb2 += b * img[k * 3 + 2];
    sa += a;
  }
  const na = Math.max(sa, 1e-6),
    nb = Math.max(n - sa, 1e-6);
  let prev = new Float32Array([sf0 / na, sf1 / na, sf2 / na, sb0 / nb, sb1 / nb, sb2 / nb]);
  let pw = 1,
    ph = 1;

  const fbA = new Float32Array(n * 6);
  const fbB = new Float32Array(n * 6);
  const limg = new Float32Array(n * 3);
  const lal = new Float32Array(n);
  const xmap = new Int32Array(w);
  let cur = fbA;
  for (let level = 0; level <= levels; level++) {
    const cw = level === levels ? w : Math.max(1, Math.round(Math.pow(w, level / levels)));
    const ch = level === levels ? h : Math.max(1, Math.round(Math.pow(h, level / levels)));
    cur = prev === fbA ? fbB : fbA;
    // nearest-neighbour resize of image and alpha from the working grid, and of F/B from the
    // previous level
    const full = cw === w && ch === h;
    for (let x = 0; x < cw; x++) xmap[x] = Math.min(w - 1, Math.floor(((x + 0.5) * w) / cw));
    for (let y = 0; y < ch; y++) {
      const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / ch));
      const py = Math.min(ph - 1, Math.floor(((y + 0.5) * ph) / ch));
      for (let x = 0; x < cw; x++) {
        const d = y * cw + x;
        if (!full) {
          const si = sy * w + xmap[x];
          limg[d * 3] = img[si * 3];
          limg[d * 3 + 1] = img[si * 3 + 1];
          limg[d * 3 + 2] = img[si * 3 + 2];
          lal[d] = alpha[si];
        }
        const px = Math.min(pw - 1, Math.floor(((x + 0.5) * pw) / cw));
        const pi = (py * pw + px) * 6;
        const o = d * 6;
        cur[o] = prev[pi];
        cur[o + 1] = prev[pi + 1];
        cur[o + 2] = prev[pi + 2];
        cur[o + 3] = prev[pi + 3];
        cur[o + 4] = prev[pi + 4];
        cur[o + 5] = prev[pi + 5];
      }
    }
    const I = full ? img : limg;
    const al = full ? alpha : lal;
    const iters = Math.min(cw, ch) <= smallSize ? smallIt : bigIt;
    for (let it = 0; it < iters; it++) sweep(I, al, cur, cw, ch, reg, gw);
    prev = cur;
    pw = cw;
    ph = ch;
  }
  return cur;
}

function sweep(
  I: Float32Array,
  al: Float32Array,
  fb: Float32Array,
  w: number,
  h: number,
  reg: number,
  gw: number,
): void {
  for (let y = 0; y < h; y++) {
    const up = y > 0 ? -w : 0;
    const dn = y < h - 1 ? w : 0;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const a0 = al[i],
        a1 = 1 - a0;
      let a00 = a0 * a0,
        a11 = a1 * a1;
      const a01 = a0 * a1;
      const ir = I[i * 3],
        ig = I[i * 3 + 1],
        ib = I[i * 3 + 2];
      let f0 = a0 * ir,
        f1 = a0 * ig,
        f2 = a0 * ib;
      let b0 = a1 * ir,
        b1 = a1 * ig,
        b2 = a1 * ib;
      // four neighbours, clamped at the border; written out one by one on purpose: this is the
      // innermost loop of every level, and a rolled-up loop was not measured against it
      const nL = x > 0 ? i - 1 : i,
        nR = x < w - 1 ? i + 1 : i,
        nU = i + up,
        nD = i + dn;
      let j = nL,
        da = reg + gw * Math.abs(a0 - al[j]),
        q = j * 6;
      a00 += da;
      a11 += da;
      f0 += da * fb[q];
      f1 += da * fb[q + 1];
      f2 += da * fb[q + 2];
      b0 += da * fb[q + 3];
      b1 += da * fb[q + 4];
      b2 += da * fb[q + 5];
      j = nR;
      da = reg + gw * Math.abs(a0 - al[j]);
      q = j * 6;
      a00 += da;
      a11 += da;
      f0 += da * fb[q];
      f1 += da * fb[q + 1];
      f2 += da * fb[q + 2];
      b0 += da * fb[q + 3];
      b1 += da * fb[q + 4];
      b2 += da * fb[q + 5];
      j = nU;
      da = reg + gw * Math.abs(a0 - al[j]);
      q = j * 6;
      a00 += da;
      a11 += da;
      f0 += da * fb[q];
      f1 += da * fb[q + 1];
      f2 += da * fb[q + 2];
      b0 += da * fb[q + 3];
      b1 += da * fb[q + 4];
      b2 += da * fb[q + 5];
      j = nD;
      da = reg + gw * Math.abs(a0 - al[j]);
      q = j * 6;
      a00 += da;
      a11 += da;
      f0 += da * fb[q];
      f1 += da * fb[q + 1];
      f2 += da * fb[q + 2];
      b0 += da * fb[q + 3];
      b1 += da * fb[q + 4];
      b2 += da * fb[q + 5];
      const inv = 1 / (a00 * a11 - a01 * a01);
      const m00 = a11 * inv,
        m01 = -a01 * inv,
        m11 = a00 * inv;
      const o = i * 6;
      fb[o] = clamp01(m00 * f0 + m01 * b0);
      fb[o + 1] = clamp01(m00 * f1 + m01 * b1);
      fb[o + 2] = clamp01(m00 * f2 + m01 * b2);
      fb[o + 3] = clamp01(m01 * f0 + m11 * b0);
      fb[o + 4] = clamp01(m01 * f1 + m11 * b1);
      fb[o + 5] = clamp01(m01 * f2 + m11 * b2);
    }
  }
}

/** A pixel as the platform's 32-bit word (endianness-agnostic). */
function packRGBA(r: number, g: number, b: number, a: number): number {
  return new Uint32Array(new Uint8Array([r, g, b, a]).buffer)[0];
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
