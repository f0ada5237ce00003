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

/** Output pixel (x, y)'s four source neighbours (element indices into a plane `stride` wide) and
 * their bilinear weights, from two axisTable()s: the one bilinear tap of the project. */
export interface BilinearTap {
  i00: number;
  i01: number;
  i10: number;
  i11: number;
  w00: number;
  w01: number;
  w10: number;
  w11: number;
}

export function newTap(): BilinearTap {
  return { i00: 0, i01: 0, i10: 0, i11: 0, w00: 0, w01: 0, w10: 0, w11: 0 };
}

/** Fill `t` with the tap of output pixel (x, y); hot loops reuse one `t` (no allocation). */
export function bilinearTap(
  X: AxisTable,
  Y: AxisTable,
  x: number,
  y: number,
  stride: number,
  t: BilinearTap,
): void {
  const r0 = Y.i0[y] * stride,
    r1 = Y.i1[y] * stride,
    fy = Y.w1[y];
  const c0 = X.i0[x],
    c1 = X.i1[x],
    fx = X.w1[x];
  t.w00 = (1 - fx) * (1 - fy);
  t.w01 = fx * (1 - fy);
  t.w10 = (1 - fx) * fy;
  t.w11 = fx * fy;
  t.i00 = r0 + c0;
  t.i01 = r0 + c1;
  t.i10 = r1 + c0;
  t.i11 = r1 + c1;
}

/** The tapped value of channel `k` of an interleaved field with `step` channels per element. */
export function tapValue(a: ArrayLike<number>, t: BilinearTap, step: number, k: number): number {
  return (
    t.w00 * a[t.i00 * step + k] +
    t.w01 * a[t.i01 * step + k] +
    t.w10 * a[t.i10 * step + k] +
    t.w11 * a[t.i11 * step + k]
  );
}

/**
 * Column j of an interleaved grid (`stride` values per cell) interpolated between two of its rows
 * (offsets r0, r1 of those rows' starts) into `row` at j·stride. The hot loops that read a coarse
 * grid at every pixel of a row do this once per column and row, then interpolate across.
 */
export function lerpColumn(
  grid: Float32Array,
  row: Float32Array,
  stride: number,
  j: number,
  r0: number,
  r1: number,
  fy: number,
): void {
  const q = j * stride;
  for (let k = q; k < q + stride; k++) row[k] = grid[r0 + k] + fy * (grid[r1 + k] - grid[r0 + k]);
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
