// The refine brush's rasteriser (src/shared/brush.ts): coverage falloff, dab spacing, the erase
// and restore maths, pen pressure, batching independence (preview == export), undo by tile swap.
import { describe, expect, it } from 'vitest';
import {
  DabWalker,
  MIN_PRESSURE,
  MIN_RADIUS,
  StrokePainter,
  applyStrokes,
  dabCoverage,
  dabSpacing,
  isStroke,
  pressureRadius,
  restoreTarget,
  roundPressure,
  strokeDabs,
  swapTiles,
  type BrushStroke,
  type EditLayer,
} from '../../src/shared/brush';

function layer(
  w: number,
  h: number,
  rgba: [number, number, number, number],
  target = [10, 20, 30, 255],
): EditLayer {
  const pixels = new Uint8ClampedArray(w * h * 4);
  const t = new Uint8ClampedArray(w * h * 4);
  for (let p = 0; p < pixels.length; p += 4) {
    pixels.set(rgba, p);
    t.set(target, p);
  }
  return { width: w, height: h, pixels, target: t };
}
const alphaAt = (l: EditLayer, x: number, y: number) => l.pixels[(y * l.width + x) * 4 + 3];

describe('dabCoverage', () => {
  it('is 1 in the core, 0 at and beyond the radius, smooth and falling in between', () => {
    expect(dabCoverage(0, 10, 0)).toBe(1);
    expect(dabCoverage(10, 10, 0.5)).toBe(0);
    expect(dabCoverage(12, 10, 0.5)).toBe(0);
    expect(dabCoverage(5, 10, 0.5)).toBe(1);
    expect(dabCoverage(7.5, 10, 0.5)).toBeCloseTo(0.5, 6); // smoothstep's midpoint
    let last = 1;
    for (let d = 0; d <= 10; d += 0.25) {
      const c = dabCoverage(d, 10, 0);
      expect(c).toBeLessThanOrEqual(last);
      last = c;
    }
    // Hardness 1: a hard disc.
    expect(dabCoverage(9.99, 10, 1)).toBe(1);
  });
});

describe('DabWalker', () => {
  it('places a dab at the first point, then every spacing px along the path, across points', () => {
    expect(dabSpacing(20)).toBe(5);
    expect(dabSpacing(2)).toBe(1);
    const w = new DabWalker(20); // spacing 5
    expect(w.push(0, 0)).toEqual([0, 0, 20]);
    expect(w.push(3, 0)).toEqual([]);
    expect(w.push(12, 0)).toEqual([5, 0, 20, 10, 0, 20]);
    expect(w.push(12, 0)).toEqual([]);
    expect(w.push(12, 7)).toEqual([12, 3, 20]);
  });

  it('under pen pressure, dabs shrink with it and come closer, so a light touch leaves no gaps', () => {
    expect(pressureRadius(40, 1)).toBe(40);
    expect(pressureRadius(40, 0.25)).toBe(10);
    expect(pressureRadius(40, 0)).toBe(2); // MIN_PRESSURE: 5 %
    expect(pressureRadius(4, 0.05)).toBe(MIN_RADIUS);
    expect(roundPressure(0.123)).toBe(0.12);
    expect(roundPressure(0)).toBe(MIN_PRESSURE);
    expect(roundPressure(Number.NaN)).toBe(1);
    const w = new DabWalker(40);
    expect(w.push(0, 0, 0.25)).toEqual([0, 0, 10]);
    // Constant pressure 0.25: radius 10, a dab every 2.5 px.
    expect(w.push(5, 0, 0.25)).toEqual([2.5, 0, 10, 5, 0, 10]);
    // Pressure rising along a segment: the radius follows it, the step follows the radius.
    const d = w.push(25, 0, 1);
    for (let i = 3; i < d.length; i += 3) {
      expect(d[i + 2]).toBeGreaterThan(d[i - 1]);
      expect(d[i] - d[i - 3]).toBeCloseTo(dabSpacing(d[i - 1]), 9);
    }
  });

  it('gives the same dabs point by point as for the whole path', () => {
    const s: BrushStroke = {
      mode: 'erase',
      radius: 8,
      hardness: 0.5,
      points: [1, 1, 30.5, 4, 31, 40, 2, 40],
    };
    const w = new DabWalker(8);
    const inc: number[] = [];
    for (let i = 0; i < s.points.length; i += 2) inc.push(...w.push(s.points[i], s.points[i + 1]));
    expect(inc).toEqual(strokeDabs(s));
    // With pressure, the same.
    const sp: BrushStroke = { ...s, pressure: [0.3, 1, 0.05, 0.6] };
    const wp = new DabWalker(8);
    const incp: number[] = [];
    for (let i = 0; i < sp.points.length; i += 2)
      incp.push(...wp.push(sp.points[i], sp.points[i + 1], sp.pressure![i / 2]));
    expect(incp).toEqual(strokeDabs(sp));
  });
});

describe('erase and restore', () => {
  it('erase changes exactly the pixels within the radius, by the coverage', () => {
    const l = layer(40, 30, [200, 100, 50, 255]);
    const s: BrushStroke = { mode: 'erase', radius: 6, hardness: 0.5, points: [20, 15] };
    applyStrokes(l, [s]);
    for (let y = 0; y < 30; y++)
      for (let x = 0; x < 40; x++) {
        const d = Math.hypot(x + 0.5 - 20, y + 0.5 - 15);
        const k = Math.round(dabCoverage(d, 6, 0.5) * 255);
        expect(alphaAt(l, x, y)).toBe(Math.round((255 * (255 - k)) / 255));
        if (d >= 6)
          expect([...l.pixels.subarray((y * 40 + x) * 4, (y * 40 + x) * 4 + 4)]).toEqual([200, 100, 50, 255]);
      }
    // The core is fully erased and its colour cleared.
    expect([...l.pixels.subarray((15 * 40 + 20) * 4, (15 * 40 + 20) * 4 + 4)]).toEqual([0, 0, 0, 0]);
  });

  it('overlapping dabs do not build up: a pixel gets the largest coverage, not the sum', () => {
    const a = layer(50, 20, [0, 0, 0, 255]);
    const b = layer(50, 20, [0, 0, 0, 255]);
    applyStrokes(a, [{ mode: 'erase', radius: 8, hardness: 0, points: [10, 10, 40, 10] }]);
    applyStrokes(b, [{ mode: 'erase', radius: 8, hardness: 0, points: [10, 10] }]);
    // A pixel near the first dab's centre, left of the path: only the first dab reaches it fully.
    expect(alphaAt(a, 4, 10)).toBe(alphaAt(b, 4, 10));
  });

  it('restore mixes toward the target in premultiplied light and reaches it under full coverage', () => {
    const l = layer(20, 20, [0, 0, 0, 0], [10, 20, 30, 255]);
    applyStrokes(l, [{ mode: 'restore', radius: 5, hardness: 1, points: [10, 10] }]);
    expect([...l.pixels.subarray((10 * 20 + 10) * 4, (10 * 20 + 10) * 4 + 4)]).toEqual([10, 20, 30, 255]);
    expect(alphaAt(l, 0, 0)).toBe(0);
    // Half coverage on a half-transparent red pixel: alpha 191, colour weighted by alpha.
    const m = layer(1, 1, [255, 0, 0, 128], [0, 0, 255, 255]);
    const p = new StrokePainter(m, { mode: 'restore', radius: 2, hardness: 0 });
    // Put a dab where the pixel's centre has coverage ≈ 0.5: smoothstep(t) = 0.5 at t = 0.5.
    p.paintDabs([0.5 + 1, 0.5, 2]);
    const k = Math.round(dabCoverage(1, 2, 0) * 255);
    const w0 = 128 * (255 - k),
      w1 = 255 * k;
    expect([...m.pixels]).toEqual([
      Math.floor((255 * w0 + (w0 + w1) / 2) / (w0 + w1)),
      0,
      Math.floor((255 * w1 + (w0 + w1) / 2) / (w0 + w1)),
      Math.floor((w0 + w1 + 127) / 255),
    ]);
  });

  it('erase then full restore brings the restore target back', () => {
    const cut = new Uint8ClampedArray([50, 60, 70, 128, 0, 0, 0, 0, 9, 9, 9, 255]);
    const photo = new Uint8ClampedArray([90, 90, 90, 255, 1, 2, 3, 255, 9, 9, 9, 255]);
    const target = restoreTarget(cut, photo);
    // Soft edge: the decontaminated cut-out colour; removed: the photo's; opaque: the same pixel.
    expect([...target]).toEqual([50, 60, 70, 255, 1, 2, 3, 255, 9, 9, 9, 255]);
    const l: EditLayer = { width: 3, height: 1, pixels: cut.slice(), target };
    applyStrokes(l, [
      { mode: 'erase', radius: 10, hardness: 1, points: [1.5, 0.5] },
      { mode: 'restore', radius: 10, hardness: 1, points: [1.5, 0.5] },
    ]);
    expect([...l.pixels]).toEqual([...target]);
  });
});

describe('batching', () => {
  it('the preview (points one by one, dabs in small time-boxed batches) equals the worker (all at once)', () => {
    const base = layer(300, 200, [120, 130, 140, 255]);
    for (let p = 0; p < base.pixels.length; p += 4) base.pixels[p + 3] = (p / 4) % 256;
    const strokes: BrushStroke[] = [
      { mode: 'erase', radius: 23.5, hardness: 0.3, points: [5, 5, 100.25, 80.5, 290, 10, 150, 190] },
      { mode: 'restore', radius: 9, hardness: 0.8, points: [0, 100, 299, 100] },
      {
        mode: 'erase',
        radius: 30,
        hardness: 0.6,
        points: [20, 20, 120, 150, 280, 60],
        pressure: [0.1, 0.9, 0.4],
      },
    ];
    const worker = { ...base, pixels: base.pixels.slice() };
    applyStrokes(worker, strokes);
    const preview = { ...base, pixels: base.pixels.slice() };
    for (const s of strokes) {
      const p = new StrokePainter(preview, s);
      for (let i = 0; i < s.points.length; i += 2) {
        const dabs = p.dabsFor(s.points[i], s.points[i + 1], s.pressure?.[i / 2]);
        for (let next = 0; next < dabs.length;) next = p.paintDabs(dabs, next, 0).next;
      }
    }
    expect(Buffer.from(preview.pixels).equals(Buffer.from(worker.pixels))).toBe(true);
  });
});

describe('undo', () => {
  it('swapping the kept tiles undoes a stroke, and swapping again redoes it', () => {
    const l = layer(300, 150, [1, 2, 3, 255]);
    const before = l.pixels.slice();
    const p = new StrokePainter(l, { mode: 'erase', radius: 30, hardness: 0.5 });
    p.addPoint(10, 10);
    p.addPoint(290, 140);
    const after = l.pixels.slice();
    const tiles = p.tiles();
    expect(swapTiles(l, tiles).length).toBe(tiles.size);
    expect(Buffer.from(l.pixels).equals(Buffer.from(before))).toBe(true);
    swapTiles(l, tiles);
    expect(Buffer.from(l.pixels).equals(Buffer.from(after))).toBe(true);
  });
});

describe('isStroke', () => {
  it('refuses malformed strokes', () => {
    expect(isStroke({ mode: 'erase', radius: 4, hardness: 0.5, points: [1, 2] })).toBe(true);
    expect(isStroke({ mode: 'paint', radius: 4, hardness: 0.5, points: [1, 2] })).toBe(false);
    expect(isStroke({ mode: 'erase', radius: 0, hardness: 0.5, points: [1, 2] })).toBe(false);
    expect(isStroke({ mode: 'erase', radius: 4, hardness: 0.5, points: [1] })).toBe(false);
    expect(isStroke({ mode: 'erase', radius: 4, hardness: 0.5, points: [1, NaN] })).toBe(false);
    const pen = { mode: 'erase', radius: 4, hardness: 0.5, points: [1, 2, 3, 4] };
    expect(isStroke({ ...pen, pressure: [0.5, 1] })).toBe(true);
    expect(isStroke({ ...pen, pressure: [0.5] })).toBe(false);
    expect(isStroke({ ...pen, pressure: [0, 1] })).toBe(false);
    expect(isStroke({ ...pen, pressure: [0.5, 1.5] })).toBe(false);
  });
});
