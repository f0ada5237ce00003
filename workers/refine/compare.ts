// The unrefined cut-out of a small window (the edge check's region), so the result view can show
// what the refine stage bought without a second inference: bilinear alpha, original colours.

import { axisTable } from '../pipeline/resize';

export interface EdgeCrop {
  /** Window in photo pixels. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** width×height RGBA: the photo's colours with the plain pipeline's alpha. */
  rgba: Uint8ClampedArray;
}

/**
 * The plain pipeline's cut-out (the model's alpha resized bilinearly, ×255 truncated, exactly as
 * pipeline/postprocess `upsampleMask`) for the `size`×`size` window centred on (cx, cy), clamped
 * to the photo. Cost: one window, not the whole photo.
 */
export function unrefinedCrop(
  low: Float32Array,
  lw: number,
  lh: number,
  rgba: Uint8ClampedArray,
  w: number,
  h: number,
  cx: number,
  cy: number,
  size = 256,
): EdgeCrop {
  const cw = Math.min(size, w),
    ch = Math.min(size, h);
  const left = Math.round(Math.min(w - cw, Math.max(0, cx - cw / 2)));
  const top = Math.round(Math.min(h - ch, Math.max(0, cy - ch / 2)));
  const X = axisTable(lw, w),
    Y = axisTable(lh, h);
  const out = new Uint8ClampedArray(cw * ch * 4);
  for (let y = 0; y < ch; y++) {
    const py = top + y;
    const r0 = Y.i0[py] * lw,
      r1 = Y.i1[py] * lw,
      fy = Y.w1[py];
    for (let x = 0; x < cw; x++) {
      const px = left + x;
      const c0 = X.i0[px],
        c1 = X.i1[px],
        fx = X.w1[px];
      // as resizePlane: rows first (kept as float32), then blended vertically
      const a = Math.fround(low[r0 + c0] + (low[r0 + c1] - low[r0 + c0]) * fx);
      const b = Math.fround(low[r1 + c0] + (low[r1 + c1] - low[r1 + c0]) * fx);
      const s = (py * w + px) * 4,
        o = (y * cw + x) * 4;
      out[o] = rgba[s];
      out[o + 1] = rgba[s + 1];
      out[o + 2] = rgba[s + 2];
      out[o + 3] = ((a + (b - a) * fy) * 255) | 0;
    }
  }
  return { left, top, width: cw, height: ch, rgba: out };
}
