// edgeFocus: the 100% edge check opens where the soft edge is.
import { describe, expect, it } from 'vitest';
import { edgeFocus } from '../../workers/refine';

function mask(w: number, h: number, f: (x: number, y: number) => number): Uint8ClampedArray {
  const a = new Uint8ClampedArray(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) a[y * w + x] = f(x, y);
  return a;
}

describe('edgeFocus', () => {
  it('finds the hair: a patch of soft alpha growing out of a hard-edged subject', () => {
    const w = 2000,
      h = 1500;
    // An opaque rectangle with hard edges, and a 200×200 patch of soft, varying alpha sticking
    // out of its right side at (1300, 600).
    const a = mask(w, h, (x, y) => {
      if (x >= 1200 && x < 1400 && y >= 500 && y < 700) return 40 + ((x * 7 + y * 13) % 170);
      return x >= 300 && x < 1200 && y >= 400 && y < 1300 ? 255 : 0;
    });
    const f = edgeFocus(a, w, h);
    expect(Math.abs(f.x - 1300)).toBeLessThanOrEqual(64);
    expect(Math.abs(f.y - 600)).toBeLessThanOrEqual(64);
    expect(f.density).toBeGreaterThan(0.4);
  });

  it('prefers a soft fringe between subject and background to a uniformly translucent area', () => {
    const w = 2000,
      h = 1000;
    // Left: 1000×1000 of alpha 120 (a veil, nothing to compare against). Right: background until
    // x = 1500, a 40 px soft fringe, then the opaque subject.
    const a = mask(w, h, (x) => (x < 1000 ? 120 : x < 1500 ? 0 : x < 1540 ? (x - 1500) * 6 : 255));
    const f = edgeFocus(a, w, h);
    expect(Math.abs(f.x - 1520)).toBeLessThanOrEqual(96);
  });

  it('without soft pixels looks at the outline of a hard-edged subject', () => {
    const w = 1200,
      h = 900;
    const a = mask(w, h, (x, y) => ((x - 600) ** 2 + (y - 450) ** 2 < 300 ** 2 ? 255 : 0));
    const f = edgeFocus(a, w, h);
    const r = Math.hypot(f.x - 600, f.y - 450);
    // The window (256) must contain part of the circle's outline (radius 300).
    expect(Math.abs(r - 300)).toBeLessThan(128 * Math.SQRT2);
    expect(f.density).toBeGreaterThan(0);
  });

  it('a blank mask looks at the middle, with density 0', () => {
    const f = edgeFocus(new Uint8ClampedArray(800 * 600), 800, 600);
    expect(Math.abs(f.x - 400)).toBeLessThanOrEqual(16);
    expect(Math.abs(f.y - 300)).toBeLessThanOrEqual(16);
    expect(f.density).toBe(0);
  });

  it('keeps the window inside small and thin images', () => {
    for (const [w, h] of [
      [100, 80],
      [1, 1],
      [3000, 40],
      [40, 3000],
    ] as const) {
      const a = mask(w, h, (x) => (x % 7) * 30);
      const f = edgeFocus(a, w, h);
      const half = Math.min(256, w, h) / 2;
      expect(f.x).toBeGreaterThanOrEqual(Math.floor(half));
      expect(f.x).toBeLessThanOrEqual(Math.ceil(w - half));
      expect(f.y).toBeGreaterThanOrEqual(Math.floor(half));
      expect(f.y).toBeLessThanOrEqual(Math.ceil(h - half));
    }
  });

  it('rejects a size that does not match', () => {
    expect(() => edgeFocus(new Uint8ClampedArray(10), 4, 4)).toThrow(RangeError);
  });
});
