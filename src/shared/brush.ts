// The refine brush's stroke rasteriser (issue 14): one implementation, run by the brush worker
// for the live preview and by the engine's applyEdits at full resolution, so the preview is the
// export.
//
// A stroke is data: mode, radius and hardness in full-resolution pixels, the pointer's path and,
// for a pen, its pressure at each point (a dab's radius = radius × pressure, at least 5 %).
// Dabs are placed along the path every max(1, r / 4) px, r the last dab's radius. A pixel's coverage by the stroke is
// the largest coverage of any dab (so overlapping dabs do not build up), quantised to 0..255, and
// the pixel's new value is always computed from its value before the stroke began. The result is
// therefore the same however the path arrives (point by point while painting, all at once in the
// worker) and however the dabs are batched.
//
// Erase (coverage k/255): alpha × (1 − k); colour kept (cleared where alpha reaches 0).
// Restore: premultiplied mix toward the restore target, the pixel the model's unedited cut-out
// had where its alpha > 0 (the decontaminated colour of soft edges), the original photo's
// elsewhere, at the photo's alpha (255 for an opaque photo). See `restoreTarget`.

export type BrushMode = 'erase' | 'restore';

export interface BrushStroke {
  mode: BrushMode;
  /** Full-resolution pixels. */
  radius: number;
  /** 0 (soft: coverage falls from the centre) … 1 (hard edge); the fully covered core is hardness × radius. */
  hardness: number;
  /** The path in full-resolution pixel coordinates (x0, y0, x1, y1, …); pixel (x, y)'s centre is (x + ½, y + ½). */
  points: number[];
  /**
   * A pen's pressure at each point (0 < p ≤ 1, in 1/100 steps), when the size follows it: a dab's
   * radius is `pressureRadius(radius, p)`, p interpolated along the path. Absent: full size.
   */
  pressure?: number[];
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The pixels a stroke edits, in place: RGBA, straight alpha, plus the restore colour of each pixel. */
export interface EditLayer {
  width: number;
  height: number;
  /** The cut-out being edited (RGBA). */
  pixels: Uint8ClampedArray;
  /** What restore brings back (RGBA), from `restoreTarget`. */
  target: Uint8ClampedArray;
}

export const MIN_RADIUS = 0.5;
export const MAX_RADIUS = 1000;
/** Tile edge of the per-stroke "before" copies (pixels). */
export const TILE = 128;

/** A point as stored: rounded to 1/100 px, so the stored path and the painted one are the same numbers. */
export const roundPoint = (v: number): number => Math.round(v * 100) / 100;

/** Dab spacing along the path: a quarter of the dab's radius, at least 1 px. */
export const dabSpacing = (radius: number): number => Math.max(1, radius / 4);

/** The lightest pressure still counts as this much of it (a pen touching down reports ≈ 0). */
export const MIN_PRESSURE = 0.05;
/** A pressure as stored: clamped to [MIN_PRESSURE, 1] and rounded to 1/100. */
export const roundPressure = (p: number): number =>
  Math.round(Math.min(1, Math.max(MIN_PRESSURE, Number.isFinite(p) ? p : 1)) * 100) / 100;
/** A dab's radius under pressure p (full size at p = 1). */
export const pressureRadius = (radius: number, p: number): number =>
  p >= 1 ? radius : Math.max(MIN_RADIUS, radius * Math.max(MIN_PRESSURE, p));

/** Coverage (0..1) at distance `d` from a dab's centre: 1 inside hardness × radius, smoothstep to 0 at the radius. */
export function dabCoverage(d: number, radius: number, hardness: number): number {
  if (d >= radius) return 0;
  const core = Math.min(1, Math.max(0, hardness)) * radius;
  if (d <= core) return 1;
  const t = (radius - d) / (radius - core);
  return t * t * (3 - 2 * t);
}

/**
 * Places dabs along a path as its points arrive: the first point gets one, then the next one
 * `dabSpacing` of the last dab's radius further along the path. A dab is (x, y, radius); under
 * pressure the radius follows the pressure interpolated along the path (so a light touch gets
 * small, closely spaced dabs, never gaps).
 */
export class DabWalker {
  private x = 0;
  private y = 0;
  private p = 1;
  private started = false;
  /** Path length since the last dab. */
  private run = 0;
  /** Distance from the last dab to the next one. */
  private step: number;
  constructor(readonly radius: number) {
    this.step = dabSpacing(radius);
  }

  /** The new dabs (flat x, y, radius) the point adds; `p` is the pressure there (1: none). */
  push(x: number, y: number, p = 1, out: number[] = []): number[] {
    if (!this.started) {
      this.started = true;
      this.x = x;
      this.y = y;
      this.p = p;
      const r = pressureRadius(this.radius, p);
      this.step = dabSpacing(r);
      out.push(x, y, r);
      return out;
    }
    const dx = x - this.x,
      dy = y - this.y;
    const len = Math.hypot(dx, dy);
    if (len === 0) return out;
    const dp = p - this.p;
    let along = this.step - this.run;
    while (along <= len) {
      const r =
        dp === 0 ? pressureRadius(this.radius, p) : pressureRadius(this.radius, this.p + (dp * along) / len);
      out.push(this.x + (dx * along) / len, this.y + (dy * along) / len, r);
      this.step = dabSpacing(r);
      along += this.step;
    }
    this.run = len - (along - this.step);
    this.x = x;
    this.y = y;
    this.p = p;
    return out;
  }
}

/** All the dabs of a stroke (what the worker paints). */
export function strokeDabs(stroke: BrushStroke): number[] {
  const w = new DabWalker(stroke.radius);
  const out: number[] = [];
  const pr = stroke.pressure;
  for (let i = 0; i + 1 < stroke.points.length; i += 2)
    w.push(stroke.points[i], stroke.points[i + 1], pr ? pr[i / 2] : 1, out);
  return out;
}

/** One pixel under coverage k (0..255); writes pixels[p..p+3] from the before-stroke value b[q..q+3]. */
function blend(
  mode: BrushMode,
  k: number,
  b: Uint8ClampedArray,
  q: number,
  px: Uint8ClampedArray,
  p: number,
  target: Uint8ClampedArray,
): void {
  const a0 = b[q + 3];
  if (mode === 'erase') {
    const a = ((a0 * (255 - k) + 127) / 255) | 0;
    px[p + 3] = a;
    if (a === 0) px[p] = px[p + 1] = px[p + 2] = 0;
    else {
      px[p] = b[q];
      px[p + 1] = b[q + 1];
      px[p + 2] = b[q + 2];
    }
    return;
  }
  const ta = target[p + 3];
  const w0 = a0 * (255 - k),
    w1 = ta * k;
  const A = w0 + w1;
  if (A === 0) {
    px[p] = px[p + 1] = px[p + 2] = px[p + 3] = 0;
    return;
  }
  const half = A >> 1;
  px[p] = ((b[q] * w0 + target[p] * w1 + half) / A) | 0;
  px[p + 1] = ((b[q + 1] * w0 + target[p + 1] * w1 + half) / A) | 0;
  px[p + 2] = ((b[q + 2] * w0 + target[p + 2] * w1 + half) / A) | 0;
  px[p + 3] = ((A + 127) / 255) | 0;
}

interface Tile {
  /** The tile's pixels before the stroke (RGBA, TILE × TILE, clipped tiles use the same stride). */
  before: Uint8ClampedArray;
  /** The stroke's coverage so far (0..255). */
  cov: Uint8Array;
}

/**
 * Paints one stroke into a layer. Feed it points (`addPoint`) or dabs (`paintDabs`); each call
 * returns the rectangle it changed. `tiles()` gives the before-stroke copy of every tile it
 * touched: the page keeps them for undo (`swapTiles`).
 */
export class StrokePainter {
  private readonly map = new Map<number, Tile>();
  private readonly walker: DabWalker;
  private readonly cols: number;
  constructor(
    private readonly layer: EditLayer,
    readonly stroke: Omit<BrushStroke, 'points'>,
  ) {
    this.walker = new DabWalker(stroke.radius);
    this.cols = Math.ceil(layer.width / TILE);
  }

  /** The dabs a new path point (pressure `p`, 1: none) adds, painted later with `paintDabs`. */
  dabsFor(x: number, y: number, p = 1, out: number[] = []): number[] {
    return this.walker.push(x, y, p, out);
  }

  addPoint(x: number, y: number, p = 1): Rect | undefined {
    return this.paintDabs(this.dabsFor(x, y, p), 0, Infinity).rect;
  }

  /** Where a time-boxed paintDabs stopped inside a dab: that dab's index and its next tile. */
  private resume = { dab: -1, tile: 0 };

  /**
   * Paints dabs[from…] (flat x, y, radius triples) until `budgetMs` has passed, checked between tiles of a
   * dab (so even a 1000 px brush never holds the thread for a whole dab; at least one tile is
   * painted). Returns the changed rectangle and the index of the next dab to paint (a dab cut
   * short is resumed where it stopped on the next call).
   */
  paintDabs(dabs: number[], from = 0, budgetMs = Infinity): { rect?: Rect; next: number } {
    const { width: W, height: H } = this.layer;
    let x0 = Infinity,
      y0 = Infinity,
      x1 = -Infinity,
      y1 = -Infinity;
    const timed = budgetMs !== Infinity;
    const t0 = timed ? performance.now() : 0;
    let painted = false;
    let i = from;
    for (; i + 2 < dabs.length; i += 3) {
      const cx = dabs[i],
        cy = dabs[i + 1],
        r = dabs[i + 2];
      const bx0 = Math.max(0, Math.floor(cx - r)),
        by0 = Math.max(0, Math.floor(cy - r));
      const bx1 = Math.min(W, Math.ceil(cx + r)),
        by1 = Math.min(H, Math.ceil(cy + r));
      if (bx0 >= bx1 || by0 >= by1) continue;
      const tx0 = (bx0 / TILE) | 0,
        ty0 = (by0 / TILE) | 0;
      const cols = Math.ceil(bx1 / TILE) - tx0,
        n = cols * (Math.ceil(by1 / TILE) - ty0);
      let k = this.resume.dab === i ? this.resume.tile : 0;
      for (; k < n; k++) {
        if (timed && painted && performance.now() - t0 > budgetMs) break;
        this.dabTile(cx, cy, r, tx0 + (k % cols), ty0 + ((k / cols) | 0), bx0, by0, bx1, by1);
        painted = true;
      }
      if (bx0 < x0) x0 = bx0;
      if (by0 < y0) y0 = by0;
      if (bx1 > x1) x1 = bx1;
      if (by1 > y1) y1 = by1;
      if (k < n) {
        this.resume = { dab: i, tile: k };
        break;
      }
      this.resume.dab = -1;
    }
    return { rect: x1 > x0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : undefined, next: i };
  }

  private tile(tx: number, ty: number): Tile {
    const key = ty * this.cols + tx;
    let t = this.map.get(key);
    if (!t) {
      const { width: W, height: H, pixels } = this.layer;
      const before = new Uint8ClampedArray(TILE * TILE * 4);
      const x0 = tx * TILE,
        y0 = ty * TILE;
      const w = Math.min(TILE, W - x0),
        h = Math.min(TILE, H - y0);
      for (let y = 0; y < h; y++) {
        const s = ((y0 + y) * W + x0) * 4;
        before.set(pixels.subarray(s, s + w * 4), y * TILE * 4);
      }
      t = { before, cov: new Uint8Array(TILE * TILE) };
      this.map.set(key, t);
    }
    return t;
  }

  /** One dab within one tile. */
  private dabTile(
    cx: number,
    cy: number,
    r: number,
    tx: number,
    ty: number,
    bx0: number,
    by0: number,
    bx1: number,
    by1: number,
  ): void {
    const { width: W, pixels, target } = this.layer;
    const { hardness, mode } = this.stroke;
    const r2 = r * r;
    const t = this.tile(tx, ty);
    const ox = tx * TILE,
      oy = ty * TILE;
    const xa = Math.max(bx0, ox),
      xb = Math.min(bx1, ox + TILE);
    const ya = Math.max(by0, oy),
      yb = Math.min(by1, oy + TILE);
    for (let y = ya; y < yb; y++) {
      const dy = y + 0.5 - cy;
      const dy2 = dy * dy;
      if (dy2 >= r2) continue;
      for (let x = xa; x < xb; x++) {
        const dx = x + 0.5 - cx;
        const d2 = dx * dx + dy2;
        if (d2 >= r2) continue;
        const k = Math.round(dabCoverage(Math.sqrt(d2), r, hardness) * 255);
        const ci = (y - oy) * TILE + (x - ox);
        if (k <= t.cov[ci]) continue;
        t.cov[ci] = k;
        blend(mode, k, t.before, ci * 4, pixels, (y * W + x) * 4, target);
      }
    }
  }

  /** The before-stroke copies of the touched tiles, keyed by tile index (row × columns + column). */
  tiles(): Map<number, Uint8ClampedArray> {
    const out = new Map<number, Uint8ClampedArray>();
    for (const [k, t] of this.map) out.set(k, t.before);
    return out;
  }
}

/**
 * Undo and redo of a stroke: swaps the layer's pixels in each tile with the copy kept (the copy
 * then holds what was there, so the same call redoes). Returns the tiles' rectangles.
 */
export function swapTiles(
  layer: Pick<EditLayer, 'width' | 'height' | 'pixels'>,
  tiles: Map<number, Uint8ClampedArray>,
): Rect[] {
  const { width: W, height: H, pixels } = layer;
  const cols = Math.ceil(W / TILE);
  const rects: Rect[] = [];
  const tmp = new Uint8ClampedArray(TILE * 4);
  for (const [key, copy] of tiles) {
    const x0 = (key % cols) * TILE,
      y0 = Math.floor(key / cols) * TILE;
    const w = Math.min(TILE, W - x0),
      h = Math.min(TILE, H - y0);
    for (let y = 0; y < h; y++) {
      const s = ((y0 + y) * W + x0) * 4;
      const row = copy.subarray(y * TILE * 4, y * TILE * 4 + w * 4);
      tmp.set(pixels.subarray(s, s + w * 4));
      pixels.set(row, s);
      row.set(tmp.subarray(0, w * 4));
    }
    rects.push({ x: x0, y: y0, w, h });
  }
  return rects;
}

/**
 * What restore brings back, per pixel (RGBA, same size): the unedited cut-out's colour where its
 * alpha > 0 (decontaminated in soft edges, the photo's own where opaque), the photo's colour where
 * the model removed the pixel entirely; alpha is the photo's (255 unless the photo had transparency).
 */
export function restoreTarget(cutout: Uint8ClampedArray, photo: Uint8ClampedArray): Uint8ClampedArray {
  const out = new Uint8ClampedArray(cutout.length);
  for (let p = 0; p < out.length; p += 4) {
    const src = cutout[p + 3] > 0 ? cutout : photo;
    out[p] = src[p];
    out[p + 1] = src[p + 1];
    out[p + 2] = src[p + 2];
    out[p + 3] = photo[p + 3];
  }
  return out;
}

/** Applies the strokes in order to `layer.pixels` (the worker's full-resolution commit). */
export function applyStrokes(layer: EditLayer, strokes: readonly BrushStroke[]): void {
  for (const s of strokes) new StrokePainter(layer, s).paintDabs(strokeDabs(s));
}

/** A stroke read back from storage (or from anywhere): a clear error code rather than NaN pixels. */
export function isStroke(v: unknown): v is BrushStroke {
  const s = v as BrushStroke;
  return (
    !!s &&
    (s.mode === 'erase' || s.mode === 'restore') &&
    Number.isFinite(s.radius) &&
    s.radius >= MIN_RADIUS &&
    s.radius <= MAX_RADIUS &&
    Number.isFinite(s.hardness) &&
    Array.isArray(s.points) &&
    s.points.length >= 2 &&
    s.points.length % 2 === 0 &&
    s.points.every(Number.isFinite) &&
    (s.pressure === undefined ||
      (Array.isArray(s.pressure) &&
        s.pressure.length * 2 === s.points.length &&
        s.pressure.every((p) => Number.isFinite(p) && p > 0 && p <= 1)))
  );
}
