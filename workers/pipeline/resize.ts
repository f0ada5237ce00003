// Bilinear resampling with PyTorch `F.interpolate(mode='bilinear', align_corners=False)` semantics
// (no antialias), the resize BRIA's reference code uses in both directions.

/** Source index and weight table for one axis: for each output index, x0, x1 and the weight of x1. */
export interface AxisTable {
  i0: Int32Array;
  i1: Int32Array;
  w1: Float32Array;
}

export function axisTable(inSize: number, outSize: number): AxisTable {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let d = 0; d < outSize; d++) {
    let src = (d + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    let x0 = Math.floor(src);
    if (x0 > inSize - 1) x0 = inSize - 1;
    i0[d] = x0;
    i1[d] = x0 < inSize - 1 ? x0 + 1 : x0;
    w1[d] = src - x0;
  }
  return { i0, i1, w1 };
}

/**
 * Resize one float plane (row-major, inW×inH) to outW×outH.
 * Separable: rows are interpolated horizontally once, then blended vertically.
 */
export function resizePlane<T extends Float32Array | Uint8ClampedArray>(
  src: Float32Array,
  inW: number,
  inH: number,
  outW: number,
  outH: number,
  out: T,
  scale = 1,
): T {
  // Integer outputs are truncated (numpy `astype(uint8)`), not rounded.
  const truncate = !(out instanceof Float32Array);
  const tx = axisTable(inW, outW);
  const ty = axisTable(inH, outH);
  // Cache of horizontally resampled source rows; each output row needs two.
  let rowA = new Float32Array(outW);
  let rowB = new Float32Array(outW);
  let haveA = -1;
  let haveB = -1;
  const hrow = (y: number, dst: Float32Array) => {
    const base = y * inW;
    for (let x = 0; x < outW; x++) {
      const a = src[base + tx.i0[x]];
      dst[x] = a + (src[base + tx.i1[x]] - a) * tx.w1[x];
    }
  };
  for (let y = 0; y < outH; y++) {
    const y0 = ty.i0[y];
    const y1 = ty.i1[y];
    const wy = ty.w1[y];
    if (haveA !== y0) {
      if (haveB === y0) {
        const t = rowA;
        rowA = rowB;
        rowB = t;
        haveA = y0;
        haveB = -1;
      } else {
        hrow(y0, rowA);
        haveA = y0;
      }
    }
    if (haveB !== y1) {
      hrow(y1, rowB);
      haveB = y1;
    }
    const o = y * outW;
    for (let x = 0; x < outW; x++) {
      const a = rowA[x];
      const v = (a + (rowB[x] - a) * wy) * scale;
      out[o + x] = truncate ? v | 0 : v;
    }
  }
  return out;
}
