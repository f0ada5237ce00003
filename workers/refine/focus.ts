// Where a cut-out's edge is most worth a close look: the square window of the alpha with the
// most soft (semi-transparent) pixels — hair, fur, motion blur — or, for a hard-edged subject,
// the most outline. The result view opens its 100% edge check there.

export interface EdgeFocus {
  /** Centre of the window, in the alpha's pixels (the window lies inside the image where it fits). */
  x: number;
  y: number;
  /** Share of the window's sampled pixels that are soft or on an outline, 0..1. */
  density: number;
}

export interface EdgeFocusOptions {
  /** Side of the window in pixels (default 256, what the result view shows at 100%). */
  window?: number;
  /** Alpha at or below this, or at or above 255 − it, is not "soft" (default 8). */
  margin?: number;
}

/**
 * Samples every pixel on a 2-pixel lattice and counts, per grid cell, soft pixels (alpha strictly
 * between `margin` and 255 − `margin`, or a step of more than 64 to the next sample: an outline),
 * opaque pixels and transparent pixels. A window's score is its soft count, damped unless the
 * window also holds some of the subject and some of the background (each ≥ 1/8 of it for full
 * weight): a close look is about the boundary, not a uniformly translucent area. Summed-area
 * tables make every window O(1). Cost: one pass over a quarter of the pixels.
 */
export function edgeFocus(
  alpha: ArrayLike<number>,
  w: number,
  h: number,
  opts: EdgeFocusOptions = {},
): EdgeFocus {
  if (w <= 0 || h <= 0 || alpha.length !== w * h)
    throw new RangeError(`edgeFocus: ${alpha.length} values for ${w}×${h}`);
  const win = Math.max(2, Math.min(opts.window ?? 256, w, h));
  const margin = opts.margin ?? 8;
  const cell = Math.max(2, Math.floor(win / 16) & ~1); // even, so the lattice lines up with cells
  const gw = Math.ceil(w / cell),
    gh = Math.ceil(h / cell);
  const soft = new Uint32Array(gw * gh),
    opaque = new Uint32Array(gw * gh),
    clear = new Uint32Array(gw * gh);
  for (let y = 0; y < h; y += 2) {
    const row = y * w,
      gy = ((y / cell) | 0) * gw;
    for (let x = 0; x < w; x += 2) {
      const a = alpha[row + x];
      const g = gy + ((x / cell) | 0);
      if (a <= margin) clear[g]++;
      else if (a >= 255 - margin) opaque[g]++;
      if (
        (a > margin && a < 255 - margin) ||
        (x + 2 < w && Math.abs(a - alpha[row + x + 2]) > 64) ||
        (y + 2 < h && Math.abs(a - alpha[row + 2 * w + x]) > 64)
      )
        soft[g]++;
    }
  }
  const sw = gw + 1;
  const table = (grid: Uint32Array) => {
    // Zero border: t[j*sw + i] = sum of the cells above and left of (i, j).
    const t = new Float64Array(sw * (gh + 1));
    for (let j = 0; j < gh; j++) {
      let run = 0;
      for (let i = 0; i < gw; i++) {
        run += grid[j * gw + i];
        t[(j + 1) * sw + i + 1] = t[j * sw + i + 1] + run;
      }
    }
    return t;
  };
  const tSoft = table(soft),
    tOpaque = table(opaque),
    tClear = table(clear);
  const kw = Math.min(gw, Math.max(1, Math.round(win / cell)));
  const kh = Math.min(gh, Math.max(1, Math.round(win / cell)));
  const samples = Math.max(1, Math.ceil((kw * cell) / 2) * Math.ceil((kh * cell) / 2));
  const sum = (t: Float64Array, i: number, j: number) =>
    t[(j + kh) * sw + i + kw] - t[j * sw + i + kw] - t[(j + kh) * sw + i] + t[j * sw + i];
  const cx = (gw - kw) / 2,
    cy = (gh - kh) / 2;
  let best = -1,
    bestSoft = 0,
    bi = 0,
    bj = 0,
    bd = Infinity;
  for (let j = 0; j + kh <= gh; j++) {
    for (let i = 0; i + kw <= gw; i++) {
      const s = sum(tSoft, i, j);
      const both =
        Math.min(1, (8 * sum(tOpaque, i, j)) / samples) * Math.min(1, (8 * sum(tClear, i, j)) / samples);
      const score = s * (0.02 + 0.98 * both);
      // Ties go to the window nearest the image centre, so a blank mask looks at the middle.
      const d = (i - cx) ** 2 + (j - cy) ** 2;
      if (score > best || (score === best && d < bd)) {
        best = score;
        bestSoft = s;
        bi = i;
        bj = j;
        bd = d;
      }
    }
  }
  const half = win / 2;
  const clampC = (c: number, n: number) => Math.round(Math.min(n - half, Math.max(half, c)));
  return {
    x: clampC((bi + kw / 2) * cell, w),
    y: clampC((bj + kh / 2) * cell, h),
    density: Math.min(1, bestSoft / samples),
  };
}
