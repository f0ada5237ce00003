// Pre/post-processing math against hand-computed values and BRIA's reference definitions.
import { describe, expect, it } from 'vitest';
import { axisTable, resizePlane } from '../../workers/pipeline/resize';
import { preprocess } from '../../workers/pipeline/preprocess';
import { minMaxNormalize, upsampleMask } from '../../workers/pipeline/postprocess';
import { compose, flattenOnto, parseHexColour } from '../../workers/pipeline/compose';

/** Direct PyTorch bilinear (align_corners=False) for one output pixel, written independently. */
function torchBilinear(src: number[][], outH: number, outW: number): number[][] {
  const inH = src.length;
  const inW = src[0].length;
  const out: number[][] = [];
  for (let y = 0; y < outH; y++) {
    const row: number[] = [];
    const sy = Math.max(0, ((y + 0.5) * inH) / outH - 0.5);
    const y0 = Math.min(Math.floor(sy), inH - 1);
    const y1 = Math.min(y0 + 1, inH - 1);
    const ly = sy - y0;
    for (let x = 0; x < outW; x++) {
      const sx = Math.max(0, ((x + 0.5) * inW) / outW - 0.5);
      const x0 = Math.min(Math.floor(sx), inW - 1);
      const x1 = Math.min(x0 + 1, inW - 1);
      const lx = sx - x0;
      const v =
        (1 - ly) * ((1 - lx) * src[y0][x0] + lx * src[y0][x1]) +
        ly * ((1 - lx) * src[y1][x0] + lx * src[y1][x1]);
      row.push(v);
    }
    out.push(row);
  }
  return out;
}

describe('axisTable', () => {
  it('upsampling 2→4 matches align_corners=False source positions', () => {
    const t = axisTable(2, 4);
    // src = (d+0.5)*0.5-0.5 → -0.25(→0), 0.25, 0.75, 1.25 (x0=1 is last → x1=1)
    expect(Array.from(t.i0)).toEqual([0, 0, 0, 1]);
    expect(Array.from(t.i1)).toEqual([1, 1, 1, 1]);
    expect(Array.from(t.w1)).toEqual([0, 0.25, 0.75, 0.25]);
  });
  it('identity size maps each pixel to itself', () => {
    const t = axisTable(5, 5);
    expect(Array.from(t.i0)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(t.w1).every((w) => w === 0)).toBe(true);
  });
});

describe('resizePlane', () => {
  const src = [
    [0, 10, 20],
    [30, 40, 50],
  ];
  const flat = new Float32Array(src.flat());
  for (const [oh, ow] of [
    [4, 6],
    [1, 1],
    [5, 2],
    [2, 3],
    [7, 11],
  ]) {
    it(`matches the PyTorch definition for 2×3 → ${oh}×${ow}`, () => {
      const got = resizePlane(flat, 3, 2, ow, oh, new Float32Array(ow * oh));
      const want = torchBilinear(src, oh, ow).flat();
      want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
    });
  }
  it('truncates like numpy astype(uint8) when writing bytes', () => {
    const got = resizePlane(new Float32Array([0.999, 0.5]), 2, 1, 2, 1, new Uint8ClampedArray(2), 255);
    expect(Array.from(got)).toEqual([254, 127]); // 254.745 → 254, 127.5 → 127 (not rounded)
  });
});

describe('preprocess', () => {
  it('normalises to x/255 − 0.5 in NCHW order at the model size', () => {
    const w = 3;
    const h = 2;
    const rgba = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set([i * 40, 255 - i * 40, 128, 255], i * 4);
    const size = 4;
    const out = preprocess(rgba, w, h, size);
    expect(out.length).toBe(3 * size * size);
    for (let c = 0; c < 3; c++) {
      const plane = [0, 1].map((y) => [0, 1, 2].map((x) => rgba[(y * w + x) * 4 + c]));
      const want = torchBilinear(plane, size, size)
        .flat()
        .map((v) => v / 255 - 0.5);
      want.forEach((v, i) => expect(out[c * size * size + i]).toBeCloseTo(v, 5));
    }
  });
  it('a white image is +0.5 everywhere and black is −0.5', () => {
    const white = new Uint8ClampedArray(8 * 8 * 4).fill(255);
    expect(preprocess(white, 8, 8, 4).every((v) => Math.abs(v - 0.5) < 1e-6)).toBe(true);
    const black = new Uint8ClampedArray(8 * 8 * 4);
    expect(preprocess(black, 8, 8, 4).every((v) => Math.abs(v + 0.5) < 1e-6)).toBe(true);
  });
});

describe('postprocess', () => {
  it('min-max normalises to [0, 1]', () => {
    const n = minMaxNormalize(new Float32Array([-2, 0, 2, 6]));
    expect(Array.from(n)).toEqual([0, 0.25, 0.5, 1]);
  });
  it('a constant output gives zeros, not NaN', () => {
    expect(Array.from(minMaxNormalize(new Float32Array([3, 3, 3])))).toEqual([0, 0, 0]);
  });
  it('upsamples the mask to the original size with truncation', () => {
    const m = upsampleMask(new Float32Array([0, 1, 1, 0]), 2, 2, 4, 4);
    expect(m.length).toBe(16);
    const want = torchBilinear(
      [
        [0, 1],
        [1, 0],
      ],
      4,
      4,
    )
      .flat()
      .map((v) => Math.trunc(v * 255));
    expect(Array.from(m)).toEqual(want);
  });
});

describe('compose', () => {
  it('puts the mask in alpha, keeps opaque colours, clears fully transparent colours', () => {
    const rgba = new Uint8ClampedArray([10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 255]);
    compose(rgba, new Uint8ClampedArray([255, 128, 0]));
    expect(Array.from(rgba)).toEqual([10, 20, 30, 255, 40, 50, 60, 128, 0, 0, 0, 0]);
  });
  it('multiplies existing transparency', () => {
    const rgba = new Uint8ClampedArray([100, 100, 100, 128]);
    compose(rgba, new Uint8ClampedArray([255]), { keepSourceAlpha: true });
    expect(rgba[3]).toBe(128);
  });
  it('uses estimated foreground colours only in soft pixels', () => {
    const rgba = new Uint8ClampedArray([1, 1, 1, 255, 2, 2, 2, 255]);
    const fg = new Uint8ClampedArray([9, 9, 9, 255, 8, 8, 8, 255]);
    compose(rgba, new Uint8ClampedArray([255, 100]), { foreground: fg });
    expect(Array.from(rgba)).toEqual([1, 1, 1, 255, 8, 8, 8, 100]);
  });
  it('flattens onto a solid colour', () => {
    const rgba = new Uint8ClampedArray([200, 0, 0, 255, 200, 0, 0, 0, 200, 0, 0, 51]);
    compose(rgba, new Uint8ClampedArray([255, 0, 51]), { background: parseHexColour('#0000ff') });
    expect(Array.from(rgba)).toEqual([200, 0, 0, 255, 0, 0, 255, 255, 40, 0, 204, 255]);
  });
  it('flattens onto an image', () => {
    const rgba = new Uint8ClampedArray([100, 100, 100, 0, 100, 100, 100, 255]);
    flattenOnto(rgba, new Uint8ClampedArray([7, 8, 9, 255, 7, 8, 9, 255]));
    expect(Array.from(rgba)).toEqual([7, 8, 9, 255, 100, 100, 100, 255]);
  });
  it('parses colours', () => {
    expect(parseHexColour('#FF8000')).toEqual([255, 128, 0]);
    expect(parseHexColour('red')).toBeUndefined();
  });
});
