// Unit tests for the guided feathering (workers/refine/feather.ts) against a direct
// implementation of He, Sun & Tang's colour guided filter (2010, Algorithm 1 with a 3×3 solve
// per window), written for clarity, not speed: every window summed pixel by pixel.

import { describe, expect, it } from 'vitest';
import { featherAlpha } from '../../workers/refine/index';
import { prng, proceduralBackground } from '../support/scenes';

/** Solve the 3×3 system M x = v by Gaussian elimination with partial pivoting. */
function solve3(M: number[][], v: number[]): number[] {
  const A = M.map((row, i) => [...row, v[i]]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    [A[c], A[p]] = [A[p], A[c]];
    for (let r = c + 1; r < 3; r++) {
      const f = A[r][c] / A[c][c];
      for (let k = c; k < 4; k++) A[r][k] -= f * A[c][k];
    }
  }
  const x = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    let s = A[r][3];
    for (let k = r + 1; k < 3; k++) s -= A[r][k] * x[k];
    x[r] = s / A[r][r];
  }
  return x;
}

/** The colour guided filter of the whole image (windows clipped at the border), in 0..1. */
function guidedReference(
  alpha: Uint8ClampedArray,
  rgba: Uint8ClampedArray,
  w: number,
  h: number,
  r: number,
  eps: number,
) {
  const a = Array.from({ length: w * h }, () => [0, 0, 0]);
  const b = new Float64Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const px: number[][] = [];
      const ps: number[] = [];
      for (let v = Math.max(0, y - r); v <= Math.min(h - 1, y + r); v++)
        for (let u = Math.max(0, x - r); u <= Math.min(w - 1, x + r); u++) {
          const o = (v * w + u) * 4;
          px.push([rgba[o] / 255, rgba[o + 1] / 255, rgba[o + 2] / 255]);
          ps.push(alpha[v * w + u] / 255);
        }
      const n = ps.length;
      const mu = [0, 1, 2].map((c) => px.reduce((s, I) => s + I[c], 0) / n);
      const mp = ps.reduce((s, p) => s + p, 0) / n;
      const cov = [0, 1, 2].map((c) => px.reduce((s, I, k) => s + I[c] * ps[k], 0) / n - mu[c] * mp);
      const sig = [0, 1, 2].map((c) =>
        [0, 1, 2].map(
          (d) => px.reduce((s, I) => s + I[c] * I[d], 0) / n - mu[c] * mu[d] + (c === d ? eps : 0),
        ),
      );
      const ak = mp > 1e-9 && mp < 1 - 1e-9 ? solve3(sig, cov) : [0, 0, 0];
      a[y * w + x] = ak;
      b[y * w + x] = mp - ak[0] * mu[0] - ak[1] * mu[1] - ak[2] * mu[2];
    }
  const q = new Float64Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0,
        n = 0;
      const o = (y * w + x) * 4;
      for (let v = Math.max(0, y - r); v <= Math.min(h - 1, y + r); v++)
        for (let u = Math.max(0, x - r); u <= Math.min(w - 1, x + r); u++) {
          const k = v * w + u;
          s +=
            a[k][0] * (rgba[o] / 255) + a[k][1] * (rgba[o + 1] / 255) + a[k][2] * (rgba[o + 2] / 255) + b[k];
          n++;
        }
      q[y * w + x] = s / n;
    }
  return q;
}

/** A soft alpha over a textured photo: an opaque disc, a noisy soft ring, clear outside. */
function scene(w: number, h: number, seed: number) {
  const rgba = proceduralBackground(w, h, seed);
  const alpha = new Uint8ClampedArray(w * h);
  const rand = prng(seed);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const d = Math.hypot(x - w / 2, y - h / 2);
      alpha[y * w + x] = d < 8 ? 255 : d < 16 ? (16 - d) * 32 + (rand() - 0.5) * 60 : 0;
    }
  return { rgba, alpha };
}

describe('featherAlpha', () => {
  it('matches the direct guided filter on soft pixels and keeps 0 and 255', () => {
    const w = 40,
      h = 34;
    const { rgba, alpha } = scene(w, h, 5);
    const out = featherAlpha(alpha, rgba, w, h, { radius: 3, eps: 1e-4, scale: 1 });
    const ref = guidedReference(alpha, rgba, w, h, 3, 1e-4);
    let soft = 0,
      changed = 0;
    for (let i = 0; i < w * h; i++) {
      if (alpha[i] === 0 || alpha[i] === 255) {
        expect(out[i]).toBe(alpha[i]);
        continue;
      }
      soft++;
      if (out[i] !== alpha[i]) changed++;
      expect(Math.abs(out[i] - Math.min(255, Math.max(0, ref[i] * 255)))).toBeLessThanOrEqual(1);
    }
    expect(soft).toBeGreaterThan(200);
    expect(changed).toBeGreaterThan(soft / 2);
  });

  it('gives the same alpha whatever the tile size', () => {
    const w = 70,
      h = 45;
    const { rgba, alpha } = scene(w, h, 9);
    for (const scale of [1, 2, 3]) {
      const whole = featherAlpha(alpha, rgba, w, h, { scale, tile: 256 });
      expect(featherAlpha(alpha, rgba, w, h, { scale, tile: 8 })).toEqual(whole);
    }
  });

  it('keeps an alpha the colours explain, and pulls noise towards it (also on blocks)', () => {
    // Two colours mixed by a smooth alpha: I = αF + (1 − α)B, so α is linear in I (the model the
    // filter fits). A noisy copy of α is pulled back towards it.
    const w = 64,
      h = 48;
    const truth = new Float64Array(w * h);
    const rgba = new Uint8ClampedArray(w * h * 4);
    const noisy = new Uint8ClampedArray(w * h);
    const rand = prng(3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const t = Math.min(1, Math.max(0, 0.5 + 0.35 * Math.sin(x / 5) * Math.cos(y / 7)));
        truth[i] = t;
        rgba[i * 4] = 220 * t + 30 * (1 - t);
        rgba[i * 4 + 1] = 60 * t + 90 * (1 - t);
        rgba[i * 4 + 2] = 40 * t + 210 * (1 - t);
        rgba[i * 4 + 3] = 255;
        noisy[i] = t * 255 + (rand() - 0.5) * 40;
      }
    const exact = Uint8ClampedArray.from(truth, (t) => t * 255);
    for (const scale of [1, 2]) {
      const kept = featherAlpha(exact, rgba, w, h, { scale });
      const fixed = featherAlpha(noisy, rgba, w, h, { scale });
      let eKept = 0,
        eNoisy = 0,
        eFixed = 0;
      for (let i = 0; i < w * h; i++) {
        eKept += Math.abs(kept[i] - truth[i] * 255);
        eNoisy += Math.abs(noisy[i] - truth[i] * 255);
        eFixed += Math.abs(fixed[i] - truth[i] * 255);
      }
      expect(eKept / (w * h)).toBeLessThan(1.5);
      expect(eFixed).toBeLessThan(eNoisy * 0.5);
    }
  });

  it('throws on inconsistent sizes', () => {
    expect(() => featherAlpha(new Uint8ClampedArray(10), new Uint8ClampedArray(40), 5, 3)).toThrow(
      RangeError,
    );
    expect(() => featherAlpha(new Uint8ClampedArray(15), new Uint8ClampedArray(40), 5, 3)).toThrow(
      RangeError,
    );
  });
});
