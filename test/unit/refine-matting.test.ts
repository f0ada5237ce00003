// Unit tests for the matting refinement (workers/refine/matting.ts): the exact alpha of a
// two-colour image is recovered in the band, and certain pixels are never touched; and the
// unrefined crop the edge check compares with (workers/refine/compare.ts).

import { describe, expect, it } from 'vitest';
import {
  CUTOUT_FEATHER,
  CUTOUT_MATTING,
  cutoutAlpha,
  featherAlpha,
  refineAlpha,
  unrefinedCrop,
  upsampleAlphaMatting,
} from '../../workers/refine/index';
import { upsampleMask } from '../../workers/pipeline/postprocess';
import { trimapFromLowRes } from '../../workers/refine/resample';
import { downsampleAlphaArea, proceduralBackground } from '../support/scenes';

/** Two colours, red over blue, mixed by a known alpha: I = αF + (1 − α)B exactly (8-bit). */
function twoColour(alpha: Float32Array, w: number, h: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const a = alpha[i];
    rgba[i * 4] = Math.round(230 * a + 20 * (1 - a));
    rgba[i * 4 + 1] = Math.round(40 * a + 60 * (1 - a));
    rgba[i * 4 + 2] = Math.round(30 * a + 220 * (1 - a));
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

describe('upsampleAlphaMatting', () => {
  it('recovers the exact alpha of a two-colour image', () => {
    // 96×64 photo, 24×16 model grid (4× upscale). Truth: opaque left third, a sub-pixel
    // strand pattern (0.3 / 0 / 0.8 / 0 columns) in the middle, transparent right third.
    const w = 96,
      h = 64;
    const truth = new Float32Array(w * h);
    const pattern = [0.3, 0, 0.8, 0, 0.5, 1, 0, 0.2];
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) truth[y * w + x] = x < 32 ? 1 : x < 64 ? pattern[x % 8] : 0;
    const rgba = twoColour(truth, w, h);
    const low = downsampleAlphaArea(truth, w, h, 24, 16);
    const out = upsampleAlphaMatting(low, 24, 16, rgba, w, h);
    let worst = 0;
    for (let i = 0; i < w * h; i++) worst = Math.max(worst, Math.abs(out[i] - truth[i] * 255));
    // bilinear would be off by up to ~170 levels in the strands; the matte is within 2 levels
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('leaves sure foreground and sure background exactly 255 and 0', () => {
    const w = 200,
      h = 150,
      lw = 40,
      lh = 30;
    const rgba = proceduralBackground(w, h, 11);
    const low = new Float32Array(lw * lh);
    // a blob with a soft rim, plus model noise below the threshold everywhere
    for (let i = 0; i < lh; i++)
      for (let j = 0; j < lw; j++) {
        const d = Math.hypot(j - 20, i - 15);
        low[i * lw + j] =
          d < 8 ? 1 - ((i * 7 + j) % 5) / 1000 : d < 11 ? (11 - d) / 3 : ((i + j * 3) % 5) / 1000;
      }
    const out = refineAlpha(low, lw, lh, rgba, w, h);
    const t = 5 / 255;
    const { state } = trimapFromLowRes(low, lw, lh, t);
    let sure = 0;
    for (let y = 0; y < h; y++) {
      // the same taps as the pipeline's bilinear resize (align_corners=False)
      const ly = Math.max(0, Math.min(lh - 1, Math.floor(Math.max(0, ((y + 0.5) * lh) / h - 0.5))));
      for (let x = 0; x < w; x++) {
        const lx = Math.max(0, Math.min(lw - 1, Math.floor(Math.max(0, ((x + 0.5) * lw) / w - 0.5))));
        const s = state[ly * lw + lx];
        if (s === 2) continue;
        sure++;
        if (out[y * w + x] !== (s === 1 ? 255 : 0)) throw new Error(`pixel ${x},${y}: ${out[y * w + x]}`);
      }
    }
    expect(sure).toBeGreaterThan(w * h * 0.7);
    expect(refineAlpha(new Float32Array(lw * lh), lw, lh, rgba, w, h).every((v) => v === 0)).toBe(true);
    expect(refineAlpha(new Float32Array(lw * lh).fill(1), lw, lh, rgba, w, h).every((v) => v === 255)).toBe(
      true,
    );
  });

  it('keeps the model alpha where foreground and background colours are alike', () => {
    const w = 64,
      h = 48;
    const flat = new Uint8ClampedArray(w * h * 4).fill(128);
    const low = new Float32Array(16 * 16);
    for (let i = 0; i < low.length; i++) low[i] = (i % 16) / 15;
    const out = refineAlpha(low, 16, 16, flat, w, h);
    for (let x = 1; x < w; x++) expect(out[20 * w + x]).toBeGreaterThanOrEqual(out[20 * w + x - 1]);
  });

  it('rejects mismatched sizes', () => {
    expect(() => refineAlpha(new Float32Array(3), 2, 2, new Uint8ClampedArray(64), 4, 4)).toThrow(RangeError);
  });
});

describe('unrefinedCrop', () => {
  it('is the plain pipeline cut-out of the window, bit for bit', () => {
    const w = 300,
      h = 200,
      lw = 32,
      lh = 32;
    const low = new Float32Array(lw * lh);
    for (let i = 0; i < low.length; i++) low[i] = ((i * 37) % 101) / 100;
    const rgba = proceduralBackground(w, h, 4);
    const full = upsampleMask(low, lw, lh, w, h);
    const c = unrefinedCrop(low, lw, lh, rgba, w, h, 290, 10, 64);
    expect([c.left, c.top, c.width, c.height]).toEqual([236, 0, 64, 64]);
    for (let y = 0; y < c.height; y++)
      for (let x = 0; x < c.width; x++) {
        const s = (c.top + y) * w + c.left + x,
          o = (y * c.width + x) * 4;
        if (c.rgba[o + 3] !== full[s] || c.rgba[o] !== rgba[s * 4]) throw new Error(`pixel ${x},${y}`);
      }
  });
});

describe('strand recovery (opt-in `recover`)', () => {
  // 120×80 photo, 30×20 model grid: an opaque block on the left, a flat grey-blue background,
  // and one 1-px strand (α = 0.6) 6–10 px right of the block that the model dropped entirely.
  const w = 120,
    h = 80,
    lw = 30,
    lh = 20;
  const truth = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) truth[y * w + x] = x < 40 ? 1 : x === 48 && y > 10 && y < 70 ? 0.6 : 0;
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const a = truth[i];
    rgba[i * 4] = Math.round(200 * a + 60 * (1 - a));
    rgba[i * 4 + 1] = Math.round(150 * a + 80 * (1 - a));
    rgba[i * 4 + 2] = Math.round(90 * a + 120 * (1 - a));
    rgba[i * 4 + 3] = 255;
  }
  // the model: a crisp block edge (soft over one cell), nothing of the strand
  const low = new Float32Array(lw * lh);
  for (let i = 0; i < lh; i++) for (let j = 0; j < lw; j++) low[i * lw + j] = j < 10 ? 1 : j === 10 ? 0.5 : 0;

  it('recovers a strand the model dropped, and nothing beyond its reach', () => {
    const off = refineAlpha(low, lw, lh, rgba, w, h);
    const on = refineAlpha(low, lw, lh, rgba, w, h, { recover: 16 });
    let strandOff = 0,
      strandOn = 0,
      stray = 0;
    for (let y = 15; y < 65; y++) {
      strandOff += off[y * w + 48];
      strandOn += on[y * w + 48];
    }
    for (let y = 0; y < h; y++) for (let x = 66; x < w; x++) stray = Math.max(stray, on[y * w + x]);
    expect(strandOff / 50).toBe(0);
    expect(Math.abs(strandOn / 50 - 0.6 * 255)).toBeLessThan(20);
    expect(stray).toBe(0);
  });

  it('drops recovered specks that touch nothing (grain), keeps the strand', () => {
    // two 2×2 dots of the strand's colour, clear of the block and the strand
    const dotted = rgba.slice();
    const dots = [
      [54, 20],
      [54, 50],
    ];
    for (const [x0, y0] of dots)
      for (let y = y0; y < y0 + 2; y++)
        for (let x = x0; x < x0 + 2; x++)
          dotted.set(rgba.subarray((30 * w + 48) * 4, (30 * w + 48) * 4 + 4), (y * w + x) * 4);
    const dotSum = (a: Uint8ClampedArray) =>
      dots.reduce((s, [x, y]) => s + a[y * w + x] + a[(y + 1) * w + x + 1], 0);
    const keep = refineAlpha(low, lw, lh, dotted, w, h, { recover: 16 });
    const drop = refineAlpha(low, lw, lh, dotted, w, h, { recover: 16, recoverMin: 16 });
    expect(dotSum(keep)).toBeGreaterThan(0);
    expect(dotSum(drop)).toBe(0);
    for (let y = 15; y < 65; y++) expect(drop[y * w + 48]).toBe(keep[y * w + 48]);
  });
});

describe('cutoutAlpha (what the worker, the CLI and the edges bench run)', () => {
  const lw = 32,
    lh = 32;
  const low = new Float32Array(lw * lh);
  for (let i = 0; i < lh; i++)
    for (let j = 0; j < lw; j++) low[i * lw + j] = Math.min(1, Math.max(0, (16 - j) / 4));

  it('feathers the reference bilinear mask of a photo no larger than the grid', () => {
    const w = 30,
      h = 20;
    const rgba = proceduralBackground(w, h, 2);
    const r = cutoutAlpha(low, lw, lh, rgba, w, h);
    expect(r.refined).toBe(true);
    expect(r.alpha).toEqual(featherAlpha(upsampleMask(low, lw, lh, w, h), rgba, w, h, CUTOUT_FEATHER));
    expect(r.foreground?.length).toBe(w * h * 4);
    const off = cutoutAlpha(low, lw, lh, rgba, w, h, { refineEdges: false });
    expect(off.refined).toBe(false);
    expect(off.alpha).toEqual(upsampleMask(low, lw, lh, w, h));
  });

  it('mattes and feathers a larger photo, unless asked not to, and skips colours when told', () => {
    const w = 96,
      h = 64;
    const rgba = proceduralBackground(w, h, 3);
    const r = cutoutAlpha(low, lw, lh, rgba, w, h, { decontaminate: false });
    expect(r.refined).toBe(true);
    const matted = refineAlpha(low, lw, lh, rgba, w, h, CUTOUT_MATTING);
    expect(r.alpha).toEqual(featherAlpha(matted, rgba, w, h, CUTOUT_FEATHER));
    expect(r.foreground).toBeUndefined();
    const off = cutoutAlpha(low, lw, lh, rgba, w, h, { refineEdges: false });
    expect(off.refined).toBe(false);
    expect(off.alpha).toEqual(upsampleMask(low, lw, lh, w, h));
  });
});
