// The foreground estimate's flat-alpha rule (`flatRange`): the per-pixel colour correction is
// scaled by the alpha's local range over ±r blocks of about one model cell. Checked against a
// direct computation of that range, pixel by pixel, and on the two cases it is for.

import { describe, expect, it } from 'vitest';
import { estimateForeground } from '../../workers/refine/foreground';
import { prng } from '../support/scenes';

function photo(w: number, h: number, seed: number): Uint8ClampedArray {
  const rand = prng(seed);
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    rgba[i * 4] = 60 + 120 * rand();
    rgba[i * 4 + 1] = 40 + 80 * rand();
    rgba[i * 4 + 2] = 200 * rand();
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/** The range of alpha over the (2r + 1)² blocks around pixel (x, y)'s block, directly. */
function directRange(alpha: Uint8ClampedArray, w: number, h: number, r: number, x: number, y: number) {
  const s = Math.max(1, Math.round(Math.max(w, h) / 1024));
  const bw = Math.ceil(w / s),
    bh = Math.ceil(h / s);
  const bx = Math.floor(x / s),
    by = Math.floor(y / s);
  let lo = 255,
    hi = 0;
  for (let v = Math.max(0, by - r); v <= Math.min(bh - 1, by + r); v++)
    for (let u = Math.max(0, bx - r); u <= Math.min(bw - 1, bx + r); u++)
      for (let py = v * s; py < Math.min(h, v * s + s); py++)
        for (let px = u * s; px < Math.min(w, u * s + s); px++) {
          lo = Math.min(lo, alpha[py * w + px]);
          hi = Math.max(hi, alpha[py * w + px]);
        }
  return hi - lo;
}

describe('estimateForeground flatRange', () => {
  // blocks of 1 px (60 wide), 2 px (2100 wide), 4 px (4096 wide: whole 32-bit words) and 8 px
  // with a last block of 4 (8196 wide)
  for (const [w, h] of [
    [60, 40],
    [2100, 24],
    [4096, 12],
    [8196, 6],
  ]) {
    it(`equals I + min(1, range / δ)·(F − I) with the range taken directly (${w}×${h})`, () => {
      const rgba = photo(w, h, 7);
      const rand = prng(11);
      const alpha = new Uint8ClampedArray(w * h);
      // patches: certain, flat soft, noisy soft, so every case of the range occurs
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const patch = (Math.floor(x / 9) + Math.floor(y / 7)) % 4;
          alpha[y * w + x] =
            patch === 0 ? 255 : patch === 1 ? 0 : patch === 2 ? 120 : 60 + Math.floor(120 * rand());
        }
      const delta = 0.2,
        r = 2;
      const free = estimateForeground(rgba, alpha, w, h);
      const held = estimateForeground(rgba, alpha, w, h, { flatRange: delta, flatRadius: r });
      let worst = 0;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          if (alpha[i] === 0 || alpha[i] === 255) {
            for (let c = 0; c < 4; c++) expect(held[i * 4 + c]).toBe(free[i * 4 + c]);
            continue;
          }
          const t = Math.min(1, directRange(alpha, w, h, r, x, y) / (delta * 255));
          for (let c = 0; c < 3; c++) {
            const want = rgba[i * 4 + c] + t * (free[i * 4 + c] - rgba[i * 4 + c]);
            worst = Math.max(worst, Math.abs(held[i * 4 + c] - want));
          }
          expect(held[i * 4 + 3]).toBe(alpha[i]);
        }
      // the correction is rounded once in `free` and once in `held`
      expect(worst).toBeLessThanOrEqual(1.5);
    });
  }

  it("keeps the photo's colour inside a flat soft region and corrects strands fully", () => {
    const w = 64,
      h = 64;
    const rgba = photo(w, h, 3);
    const alpha = new Uint8ClampedArray(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        // left: an inside the model is unsure of (flat 0.43); right: strands (0 / 200 stripes)
        alpha[y * w + x] = x < 32 ? (x < 4 ? 255 : 110) : x % 4 < 2 ? 200 : 0;
      }
    const free = estimateForeground(rgba, alpha, w, h);
    const held = estimateForeground(rgba, alpha, w, h, { flatRange: 0.2, flatRadius: 2 });
    let moved = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        for (let c = 0; c < 3; c++) {
          // the flat inside (away from the opaque edge column and the stripes)
          if (x >= 8 && x < 28) expect(held[i * 4 + c]).toBe(rgba[i * 4 + c]);
          if (x >= 36) expect(held[i * 4 + c]).toBe(free[i * 4 + c]);
          if (x >= 8 && x < 28) moved = Math.max(moved, Math.abs(free[i * 4 + c] - rgba[i * 4 + c]));
        }
      }
    // without the rule the flat inside's colour is moved (extrapolated) a long way
    expect(moved).toBeGreaterThan(20);
  });

  it("reads a row's narrower last block only to the row's end", () => {
    // 8 px blocks, the last one 4 px; each row starts opaque, the rest is flat at 120: the last
    // block's range must not take in the next row's opaque start
    const w = 8196,
      h = 4;
    const rgba = photo(w, h, 9);
    const alpha = new Uint8ClampedArray(w * h).fill(120);
    for (let y = 0; y < h; y++) alpha.fill(255, y * w, y * w + 4);
    const held = estimateForeground(rgba, alpha, w, h, { flatRange: 0.2, flatRadius: 2 });
    for (let y = 0; y < h; y++)
      for (let x = w - 4; x < w; x++)
        for (let c = 0; c < 3; c++) expect(held[(y * w + x) * 4 + c]).toBe(rgba[(y * w + x) * 4 + c]);
  });

  it('changes nothing when off (0 or absent)', () => {
    const w = 40,
      h = 30;
    const rgba = photo(w, h, 5);
    const alpha = new Uint8ClampedArray(w * h).map((_, i) => (i * 37) % 256);
    expect(estimateForeground(rgba, alpha, w, h, { flatRange: 0 })).toEqual(
      estimateForeground(rgba, alpha, w, h),
    );
  });
});
