// Edge metrics of alpha mattes and cut-outs, against a known truth: SAD, MSE and the gradient
// error of Rhemann et al., "A Perceptually Motivated Online Benchmark for Image Matting" (CVPR
// 2009; alphamatting.com's conventions), and the error of a cut-out re-composited on a new
// background. Used by the refine unit tests (test/unit/refine.test.ts) and the edges bench.

export interface AlphaErrors {
  /** Σ|Δα| / 1000 (alphamatting.com convention, α in 0..1). */
  sad: number;
  /** mean Δα². */
  mse: number;
  /** Σ(|∇α̂| − |∇α|)² with Gaussian-derivative gradients, σ = 1.4 (Rhemann et al.), α in 0..1. */
  grad: number;
  pixels: number;
}

function gaussKernels(sigma: number): { g: Float32Array; dg: Float32Array; r: number } {
  const r = Math.ceil(3 * sigma);
  const g = new Float32Array(2 * r + 1),
    dg = new Float32Array(2 * r + 1);
  let sg = 0,
    sd = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.exp((-i * i) / (2 * sigma * sigma));
    g[i + r] = v;
    dg[i + r] = (-i / (sigma * sigma)) * v;
    sg += v;
    sd += -i * dg[i + r];
  }
  for (let i = 0; i < g.length; i++) {
    g[i] /= sg;
    dg[i] /= sd; // a unit ramp has derivative 1
  }
  return { g, dg, r };
}

function convRows(
  src: Float32Array,
  dst: Float32Array,
  w: number,
  h: number,
  k: Float32Array,
  r: number,
): void {
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) {
        let xx = x + i;
        xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
        s += k[i + r] * src[o + xx];
      }
      dst[o + x] = s;
    }
  }
}

function convCols(
  src: Float32Array,
  dst: Float32Array,
  w: number,
  h: number,
  k: Float32Array,
  r: number,
): void {
  for (let y = 0; y < h; y++) {
    const o = y * w;
    dst.fill(0, o, o + w);
    for (let i = -r; i <= r; i++) {
      let yy = y + i;
      yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
      const kv = k[i + r],
        so = yy * w;
      for (let x = 0; x < w; x++) dst[o + x] += kv * src[so + x];
    }
  }
}

/** Gaussian-derivative gradient magnitude of an alpha in 0..1. */
export function gradientMagnitude(a: Float32Array, w: number, h: number, sigma = 1.4): Float32Array {
  const { g, dg, r } = gaussKernels(sigma);
  const t = new Float32Array(w * h),
    gx = new Float32Array(w * h),
    gy = new Float32Array(w * h);
  convRows(a, t, w, h, dg, r);
  convCols(t, gx, w, h, g, r);
  convRows(a, t, w, h, g, r);
  convCols(t, gy, w, h, dg, r);
  for (let i = 0; i < w * h; i++) gx[i] = Math.sqrt(gx[i] * gx[i] + gy[i] * gy[i]);
  return gx;
}

export function toFloatAlpha(a: Uint8ClampedArray | Uint8Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] / 255;
  return out;
}

export type Region = 'all' | 'opaque' | 'transparent';

/** Errors of a predicted alpha against the truth; `gradTrue` may be passed to reuse it. */
export function alphaErrors(
  pred: Float32Array,
  truth: Float32Array,
  w: number,
  h: number,
  region: Region,
  gradTrue?: Float32Array,
  gradPred?: Float32Array,
): AlphaErrors {
  const gt = gradTrue ?? gradientMagnitude(truth, w, h);
  const gp = gradPred ?? gradientMagnitude(pred, w, h);
  let sad = 0,
    sq = 0,
    ge = 0,
    n = 0;
  for (let i = 0; i < w * h; i++) {
    const t = truth[i];
    if (region === 'opaque' && t < 1 - 1e-4) continue;
    if (region === 'transparent' && t > 1e-4) continue;
    const d = pred[i] - t;
    sad += Math.abs(d);
    sq += d * d;
    const dg = gp[i] - gt[i];
    ge += dg * dg;
    n++;
  }
  return { sad: sad / 1000, mse: n ? sq / n : 0, grad: ge, pixels: n };
}

export interface ColourErrors {
  /** mean squared error per channel, 8-bit levels², over 0 < α < 1. */
  mse: number;
  /** mean absolute error per channel, 8-bit levels, over 0 < α < 1. */
  mae: number;
  pixels: number;
}

/**
 * Re-composite F̂ onto `bg2` with alpha a8 and compare with the true foreground re-composited
 * the same way, over the partially transparent pixels (elsewhere both agree by construction).
 */
export function recompositeErrors(
  fgEst: Uint8ClampedArray,
  fgTrue: Uint8ClampedArray,
  a8: Uint8ClampedArray,
  bg2: Uint8ClampedArray,
): ColourErrors {
  let sq = 0,
    ab = 0,
    n = 0;
  for (let i = 0; i < a8.length; i++) {
    const av = a8[i];
    if (av === 0 || av === 255) continue;
    const a = av / 255,
      b = 1 - a,
      o = i * 4;
    for (let c = 0; c < 3; c++) {
      const est = a * fgEst[o + c] + b * bg2[o + c];
      const tru = a * fgTrue[o + c] + b * bg2[o + c];
      const d = est - tru;
      sq += d * d;
      ab += Math.abs(d);
    }
    n++;
  }
  return { mse: n ? sq / (3 * n) : 0, mae: n ? ab / (3 * n) : 0, pixels: n };
}
