// RGBA pixels → the model's `input` tensor: bilinear resize to size², x/255 − 0.5, NCHW float32.

import { axisTable } from './resize';

export const MODEL_SIZE = 1024;

/**
 * Resize straight from interleaved RGBA to three planes in one pass over the output, without
 * building full-size float copies of the photo (a 12 MP photo would need 144 MB of floats).
 */
export function preprocess(rgba: Uint8ClampedArray, w: number, h: number, size = MODEL_SIZE): Float32Array {
  const out = new Float32Array(3 * size * size);
  const tx = axisTable(w, size);
  const ty = axisTable(h, size);
  const plane = size * size;
  const k = 1 / 255;
  for (let y = 0; y < size; y++) {
    const r0 = ty.i0[y] * w * 4;
    const r1 = ty.i1[y] * w * 4;
    const wy = ty.w1[y];
    const o = y * size;
    for (let x = 0; x < size; x++) {
      const c0 = tx.i0[x] * 4;
      const c1 = tx.i1[x] * 4;
      const wx = tx.w1[x];
      for (let c = 0; c < 3; c++) {
        const a = rgba[r0 + c0 + c];
        const b = rgba[r0 + c1 + c];
        const cc = rgba[r1 + c0 + c];
        const d = rgba[r1 + c1 + c];
        const top = a + (b - a) * wx;
        const bot = cc + (d - cc) * wx;
        out[c * plane + o + x] = (top + (bot - top) * wy) * k - 0.5;
      }
    }
  }
  return out;
}
