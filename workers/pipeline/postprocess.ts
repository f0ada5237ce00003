// The model's `output` → an alpha mask at the photo's own size (reference: min-max normalise,
// bilinear resize back, ×255, truncate).

import { resizePlane } from './resize';

/** Min-max normalise into [0,1]; a constant output becomes all zeros instead of NaN. */
export function minMaxNormalize(x: Float32Array): Float32Array {
  let mi = Infinity;
  let ma = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < mi) mi = v;
    if (v > ma) ma = v;
  }
  const out = new Float32Array(x.length);
  const range = ma - mi;
  if (!(range > 0)) return out;
  const k = 1 / range;
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - mi) * k;
  return out;
}

/** Bilinear upsample of a normalised low-res mask to w×h, ×255 truncated like numpy's astype(uint8). */
export function upsampleMask(
  low: Float32Array,
  lw: number,
  lh: number,
  w: number,
  h: number,
): Uint8ClampedArray {
  return resizePlane(low, lw, lh, w, h, new Uint8ClampedArray(w * h), 255);
}
