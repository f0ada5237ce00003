// Unit tests for workers/refine: bilinear semantics on hand-computed values, and on a small
// procedural scene with known answers, that the guided upsampling and the foreground
// estimation beat their baselines by a margin without touching certain pixels.

import { beforeAll, describe, expect, it } from 'vitest';
import { estimateForeground, upsampleAlphaGuided } from '../../workers/refine/index';
import { upsampleMask } from '../../workers/pipeline/postprocess';
import { alphaErrors, gradientMagnitude, recompositeErrors, toFloatAlpha } from '../support/edge-metrics';
import { downsampleAlphaArea, makeScene, proceduralBackground, type Scene } from '../support/scenes';

describe('refine on a procedural scene (600×400, model grid 160×160)', () => {
  const w = 600,
    h = 400,
    lw = 160,
    lh = 160;
  let scene: Scene;
  let low: Float32Array;
  let bil: Uint8ClampedArray;
  let gui: Uint8ClampedArray;

  beforeAll(() => {
    scene = makeScene({ width: w, height: h, seed: 7, hairCount: 400 });
    low = downsampleAlphaArea(scene.alpha, w, h, lw, lh);
    bil = upsampleMask(low, lw, lh, w, h);
    gui = upsampleAlphaGuided(low, lw, lh, scene.composite, w, h);
  });

  it('returns w*h alpha', () => {
    expect(bil).toBeInstanceOf(Uint8ClampedArray);
    expect(gui).toBeInstanceOf(Uint8ClampedArray);
    expect(bil.length).toBe(w * h);
    expect(gui.length).toBe(w * h);
  });

  it('guided beats bilinear clearly on gradient error, SAD and MSE', () => {
    const gt = gradientMagnitude(scene.alpha, w, h);
    const eb = alphaErrors(toFloatAlpha(bil), scene.alpha, w, h, 'all', gt);
    const eg = alphaErrors(toFloatAlpha(gui), scene.alpha, w, h, 'all', gt);
    // measured: −93% gradient error, −80% SAD, −94% MSE; the target is −30%
    expect(eg.grad).toBeLessThan(0.4 * eb.grad);
    expect(eg.sad).toBeLessThan(0.5 * eb.sad);
    expect(eg.mse).toBeLessThan(0.4 * eb.mse);
  });

  it('guided does not regress fully opaque or fully transparent true regions', () => {
    const gt = gradientMagnitude(scene.alpha, w, h);
    for (const region of ['opaque', 'transparent'] as const) {
      const eb = alphaErrors(toFloatAlpha(bil), scene.alpha, w, h, region, gt);
      const eg = alphaErrors(toFloatAlpha(gui), scene.alpha, w, h, region, gt);
      expect(eg.pixels).toBeGreaterThan(1000);
      expect(eg.sad).toBeLessThanOrEqual(eb.sad);
      expect(eg.mse).toBeLessThanOrEqual(eb.mse);
    }
  });

  it('keeps exactly 0 / 255 where the low-res alpha is certain around the pixel', () => {
    let checked0 = 0,
      checked1 = 0,
      bad = 0;
    for (let y = 0; y < h; y++) {
      const ly = Math.min(lh - 1, Math.floor(((y + 0.5) * lh) / h));
      for (let x = 0; x < w; x++) {
        const lx = Math.min(lw - 1, Math.floor(((x + 0.5) * lw) / w));
        let mn = 1,
          mx = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const v =
              low[Math.min(lh - 1, Math.max(0, ly + dy)) * lw + Math.min(lw - 1, Math.max(0, lx + dx))];
            mn = Math.min(mn, v);
            mx = Math.max(mx, v);
          }
        if (mx === 0) {
          checked0++;
          if (gui[y * w + x] !== 0) bad++;
        } else if (mn === 1) {
          checked1++;
          if (gui[y * w + x] !== 255) bad++;
        }
      }
    }
    expect(bad).toBe(0);
    expect(checked0).toBeGreaterThan(10000);
    expect(checked1).toBeGreaterThan(10000);
  });

  it('estimateForeground cuts the re-composite error of the naive original pixels', () => {
    const a8 = new Uint8ClampedArray(w * h);
    for (let i = 0; i < w * h; i++) a8[i] = scene.alpha[i] * 255;
    const f = estimateForeground(scene.composite, a8, w, h);
    expect(f.length).toBe(w * h * 4);
    const bg2 = proceduralBackground(w, h, 4242);
    const naive = recompositeErrors(scene.composite, scene.fg, a8, bg2);
    const est = recompositeErrors(f, scene.fg, a8, bg2);
    expect(naive.pixels).toBeGreaterThan(5000);
    // measured: MSE 233 → 9.7, MAE 11.9 → 2.2; the target is −50%
    expect(est.mse).toBeLessThan(0.25 * naive.mse);
    expect(est.mae).toBeLessThan(0.4 * naive.mae);
  });

  it('foreground keeps opaque pixels exactly and copies the given alpha', () => {
    const f = estimateForeground(scene.composite, gui, w, h);
    let opaque = 0;
    for (let i = 0; i < w * h; i++) {
      if (f[i * 4 + 3] !== gui[i]) throw new Error(`alpha of pixel ${i} changed`);
      if (gui[i] === 255) {
        opaque++;
        if (
          f[i * 4] !== scene.composite[i * 4] ||
          f[i * 4 + 1] !== scene.composite[i * 4 + 1] ||
          f[i * 4 + 2] !== scene.composite[i * 4 + 2]
        )
          throw new Error(`opaque pixel ${i} changed`);
      }
    }
    expect(opaque).toBeGreaterThan(10000);
  });
});

describe('degenerate inputs', () => {
  const w = 64,
    h = 48;
  const flat = new Uint8ClampedArray(w * h * 4).fill(128);

  it('a flat guide (zero variance) gives the local mean, not NaN', () => {
    const low = new Float32Array(16 * 16);
    for (let i = 0; i < low.length; i++) low[i] = (i % 16) / 15;
    const g = upsampleAlphaGuided(low, 16, 16, flat, w, h);
    const b = upsampleMask(low, 16, 16, w, h);
    // With zero guide variance a = 0 and q = box mean of the alpha: a linear ramp stays the
    // same ramp away from its clipped ends (a NaN would show up as 0 here).
    let maxDiff = 0;
    for (let y = 0; y < h; y++)
      for (let x = 12; x < 52; x++) maxDiff = Math.max(maxDiff, Math.abs(g[y * w + x] - b[y * w + x]));
    expect(maxDiff).toBeLessThanOrEqual(1);
    expect(g[20]).toBeGreaterThan(g[16]);
  });

  it('all-transparent and all-opaque masks stay exact', () => {
    const rgba = new Uint8ClampedArray(proceduralBackground(w, h, 3));
    expect(upsampleAlphaGuided(new Float32Array(256), 16, 16, rgba, w, h).every((v) => v === 0)).toBe(true);
    expect(
      upsampleAlphaGuided(new Uint8Array(256).fill(255), 16, 16, rgba, w, h).every((v) => v === 255),
    ).toBe(true);
    const f = estimateForeground(rgba, new Uint8Array(w * h).fill(255), w, h);
    expect(f.every((v, i) => (i % 4 === 3 ? v === 255 : v === rgba[i]))).toBe(true);
    const z = estimateForeground(rgba, new Uint8Array(w * h), w, h, { transparent: 'zero' });
    expect(z.every((v) => v === 0)).toBe(true);
  });

  it('treats model noise below the threshold as certain', () => {
    const rgba = new Uint8ClampedArray(proceduralBackground(w, h, 5));
    const low = new Float32Array(256);
    for (let i = 0; i < 256; i++) low[i] = i < 128 ? ((i * 7) % 10) / 1000 : 1 - ((i * 3) % 10) / 1000; // ≤ 0.009 off
    const g = upsampleAlphaGuided(low, 16, 16, rgba, w, h);
    // rows of cells 0–7 are background, 8–15 foreground; pixels whose taps stay on one side
    // of the boundary must be exact
    for (let y = 0; y < h; y++) {
      const ly = (y + 0.5) * (16 / h) - 0.5;
      const expected = ly < 7 ? 0 : ly >= 8 ? 255 : -1;
      if (expected < 0) continue;
      for (let x = 0; x < w; x++)
        if (g[y * w + x] !== expected) throw new Error(`pixel ${x},${y}: ${g[y * w + x]}`);
    }
  });

  it('handles a photo smaller than the model grid', () => {
    const low = new Float32Array(64 * 64).fill(0.5);
    const small = new Uint8ClampedArray(20 * 10 * 4).fill(200);
    const g = upsampleAlphaGuided(low, 64, 64, small, 20, 10);
    expect(g.length).toBe(200);
    expect(g.every((v) => v === 128 || v === 127)).toBe(true);
  });
});
