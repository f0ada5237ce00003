// Output presets in pixels (issue 14), pure and synchronous: a stored cut-out (straight RGBA) and
// a Preset → the finished canvas. Subject bounds from the alpha (faint specks ignored), canvas
// size, scale and placement, contact shadow, background (colour, image, blurred original), all
// composited in premultiplied light so half-transparent edges land right on any background.
// Encoding and blob decoding live in present-io.ts; this file needs no DOM and runs in vitest.

import { JingjieError } from '../../src/shared/errors';
import { RATIOS, validatePreset, type Preset } from '../../src/shared/presets';

export interface Rgba {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

export interface PresentLayers {
  /** The user's background image (kind `image`), any size: scaled to cover the canvas. */
  image?: Rgba;
  /** The original photo (kind `blur`), any size: scaled to cover the canvas, then blurred. */
  original?: Rgba;
}

/** Half-open box [x0, x1) × [y0, y1) in pixels. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Layout {
  width: number;
  height: number;
  /** Canvas pixel X (centre at X + 0.5) shows source u = sx + (X + 0.5 − dx) / scale. */
  scale: number;
  dx: number;
  dy: number;
  /** The source box that is framed (the subject's bounds, or the whole cut-out). */
  src: Box;
}

/** Alpha at or above this counts as subject when measuring bounds (a quarter opacity). */
export const BOUNDS_ALPHA = 64;
/** A separate piece counts towards the bounds only with at least this share of the largest piece's pixels. */
export const MIN_PIECE_SHARE = 0.01;
const GRID = 512;

/**
 * The subject's bounds: pixels with alpha ≥ BOUNDS_ALPHA, in connected pieces (found on a grid of
 * at most 512 cells a side, 8-connected) holding ≥ 1% of the largest piece's pixels, so specks and
 * dust the model left far from the subject do not stretch the frame. Undefined when nothing is opaque enough.
 */
export function subjectBounds(img: Rgba, threshold = BOUNDS_ALPHA): Box | undefined {
  const { data, width: w, height: h } = img;
  const bs = Math.max(1, Math.ceil(Math.max(w, h) / GRID));
  const gw = Math.ceil(w / bs);
  const gh = Math.ceil(h / bs);
  const count = new Int32Array(gw * gh);
  for (let y = 0; y < h; y++) {
    const row = ((y / bs) | 0) * gw;
    for (let x = 0, p = y * w * 4 + 3; x < w; x++, p += 4)
      if (data[p] >= threshold) count[row + ((x / bs) | 0)]++;
  }
  const label = new Int32Array(gw * gh).fill(-1);
  const mass: number[] = [];
  const stack = new Int32Array(gw * gh);
  for (let c = 0; c < count.length; c++) {
    if (!count[c] || label[c] >= 0) continue;
    const id = mass.length;
    let m = 0;
    let top = 0;
    stack[top++] = c;
    label[c] = id;
    while (top) {
      const k = stack[--top];
      m += count[k];
      const kx = k % gw;
      const ky = (k / gw) | 0;
      for (let oy = -1; oy <= 1; oy++) {
        const ny = ky + oy;
        if (ny < 0 || ny >= gh) continue;
        for (let ox = -1; ox <= 1; ox++) {
          const nx = kx + ox;
          if (nx < 0 || nx >= gw) continue;
          const n = ny * gw + nx;
          if (count[n] && label[n] < 0) {
            label[n] = id;
            stack[top++] = n;
          }
        }
      }
    }
    mass.push(m);
  }
  if (!mass.length) return undefined;
  const keepAbove = Math.max(...mass) * MIN_PIECE_SHARE;
  const keep = mass.map((m) => m >= keepAbove);
  let x0 = w,
    y0 = h,
    x1 = 0,
    y1 = 0;
  for (let y = 0; y < h; y++) {
    const row = ((y / bs) | 0) * gw;
    for (let x = 0, p = y * w * 4 + 3; x < w; x++, p += 4) {
      if (data[p] < threshold) continue;
      const l = label[row + ((x / bs) | 0)];
      if (!keep[l]) continue;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
      if (y < y0) y0 = y;
      y1 = y + 1;
    }
  }
  return x1 > x0 ? { x0, y0, x1, y1 } : undefined;
}

/** Canvas size for a preset and a cut-out of w×h (before placement). */
export function canvasSize(p: Preset, w: number, h: number): { width: number; height: number } {
  let W = w,
    H = h;
  if (p.canvas.kind === 'exact') {
    W = p.canvas.width;
    H = p.canvas.height;
  } else if (p.canvas.kind === 'ratio') {
    const [rw, rh] = RATIOS[p.canvas.ratio];
    const long = Math.max(w, h);
    if (rw >= rh) {
      W = long;
      H = Math.max(1, Math.round((long * rh) / rw));
    } else {
      H = long;
      W = Math.max(1, Math.round((long * rw) / rh));
    }
  }
  if (p.maxEdge && Math.max(W, H) > p.maxEdge) {
    const s = p.maxEdge / Math.max(W, H);
    W = Math.max(1, Math.round(W * s));
    H = Math.max(1, Math.round(H * s));
  }
  return { width: W, height: H };
}

/** Where the cut-out goes on the canvas: the framed box scaled to fit inside the margin. */
export function layout(
  p: Preset,
  img: Rgba,
  bounds = p.placement === 'none' ? undefined : subjectBounds(img),
): Layout {
  const { width: W, height: H } = canvasSize(p, img.width, img.height);
  const src: Box = bounds ?? { x0: 0, y0: 0, x1: img.width, y1: img.height };
  const m = p.placement === 'none' ? 0 : (p.margin / 100) * Math.min(W, H);
  const sw = src.x1 - src.x0;
  const sh = src.y1 - src.y0;
  const scale = Math.min(Math.max(1e-6, W - 2 * m) / sw, Math.max(1e-6, H - 2 * m) / sh);
  const dw = sw * scale;
  const dh = sh * scale;
  const dx = (W - dw) / 2 - src.x0 * scale;
  const dy = (p.placement === 'bottom' ? H - m - dh : (H - dh) / 2) - src.y0 * scale;
  return { width: W, height: H, scale, dx, dy, src };
}

/** For each output index along one axis: the first source index and its weights (triangle filter). */
interface Taps {
  start: Int32Array;
  count: Int32Array;
  offset: Int32Array;
  weights: Float32Array;
  max: number;
}

/**
 * Taps for out index X ↦ source u = (X + 0.5 − d) / scale (a pixel-centre coordinate). Upscaling
 * interpolates linearly; downscaling widens the triangle to 1/scale so every source pixel counts
 * (no aliasing). Weights are normalised by the whole filter, so pixels past the source's edge
 * count as transparent: the image's border is antialiased like any edge.
 */
function taps(outSize: number, inSize: number, scale: number, d: number): Taps {
  const r = Math.max(1, 1 / scale);
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const offset = new Int32Array(outSize);
  const ws: number[] = [];
  let max = 0;
  for (let X = 0; X < outSize; X++) {
    const u = (X + 0.5 - d) / scale;
    const lo = Math.floor(u - r - 0.5) + 1;
    const hi = Math.ceil(u + r - 0.5) - 1;
    let total = 0;
    for (let j = lo; j <= hi; j++) total += Math.max(0, 1 - Math.abs(j + 0.5 - u) / r);
    const a = Math.max(lo, 0);
    const b = Math.min(hi, inSize - 1);
    offset[X] = ws.length;
    start[X] = a;
    if (b < a || total <= 0) continue;
    for (let j = a; j <= b; j++) ws.push(Math.max(0, 1 - Math.abs(j + 0.5 - u) / r) / total);
    count[X] = b - a + 1;
    if (count[X] > max) max = count[X];
  }
  return { start, count, offset, weights: Float32Array.from(ws), max };
}

/**
 * Resample `img` through a transform onto a W×H canvas, one output row at a time: `row(y, buf)`
 * gets premultiplied RGBA floats (W×4): colour 0..255, alpha 0..1. Memory stays flat: a ring of horizontally
 * filtered source rows, as many as one output row needs.
 */
export function resampleRows(
  img: Rgba,
  W: number,
  H: number,
  scale: number,
  dx: number,
  dy: number,
  row: (y: number, buf: Float32Array) => void,
): void {
  const { data, width: w, height: h } = img;
  const tx = taps(W, w, scale, dx);
  const ty = taps(H, h, scale, dy);
  const ring = Math.max(1, ty.max);
  const cache = new Float32Array(ring * W * 4);
  const tag = new Int32Array(ring).fill(-1);
  const out = new Float32Array(W * 4);
  const hrow = (j: number): number => {
    const slot = j % ring;
    const base = slot * W * 4;
    if (tag[slot] === j) return base;
    tag[slot] = j;
    const src = j * w * 4;
    for (let X = 0; X < W; X++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      const n = tx.count[X];
      for (let k = 0, i = tx.offset[X], p = src + tx.start[X] * 4; k < n; k++, i++, p += 4) {
        const wa = tx.weights[i] * data[p + 3];
        r += data[p] * wa;
        g += data[p + 1] * wa;
        b += data[p + 2] * wa;
        a += wa;
      }
      const q = base + X * 4;
      cache[q] = r / 255;
      cache[q + 1] = g / 255;
      cache[q + 2] = b / 255;
      cache[q + 3] = a / 255;
    }
    return base;
  };
  for (let Y = 0; Y < H; Y++) {
    out.fill(0);
    const n = ty.count[Y];
    for (let k = 0, i = ty.offset[Y]; k < n; k++, i++) {
      const wy = ty.weights[i];
      const base = hrow(ty.start[Y] + k);
      for (let q = 0; q < out.length; q++) out[q] += cache[base + q] * wy;
    }
    row(Y, out);
  }
}

/** Three box blurs (≈ Gaussian of σ ≈ r) of one float plane, in place. */
export function blurPlane(plane: Float32Array, w: number, h: number, r: number): void {
  const rad = Math.max(0, Math.round(r / Math.sqrt(3)));
  if (rad < 1) return;
  const line = new Float32Array(Math.max(w, h));
  const span = 2 * rad + 1;
  // One line of `len` values starting at `first`, `step` apart; the ends continue outward.
  const pass = (first: number, len: number, step: number) => {
    for (let i = 0, p = first; i < len; i++, p += step) line[i] = plane[p];
    const last = len - 1;
    let sum = 0;
    for (let i = -rad; i <= rad; i++) sum += line[i < 0 ? 0 : i > last ? last : i];
    for (let i = 0, p = first; i < len; i++, p += step) {
      plane[p] = sum / span;
      const add = i + rad + 1;
      const sub = i - rad;
      sum += line[add > last ? last : add] - line[sub < 0 ? 0 : sub];
    }
  };
  for (let k = 0; k < 3; k++) {
    for (let y = 0; y < h; y++) pass(y * w, w, 1);
    for (let x = 0; x < w; x++) pass(x, h, w);
  }
}

/** An image scaled to cover W×H, centred, as opaque straight RGBA; optionally blurred. */
function coverLayer(img: Rgba, W: number, H: number, blur: number): Uint8ClampedArray {
  const s = Math.max(W / img.width, H / img.height);
  const dx = (W - img.width * s) / 2;
  const dy = (H - img.height * s) / 2;
  const out = new Uint8ClampedArray(W * H * 4);
  resampleRows(img, W, H, s, dx, dy, (y, buf) => {
    for (let x = 0, q = 0, p = y * W * 4; x < W; x++, q += 4, p += 4) {
      // A photo with transparency shows white through it.
      const a = buf[q + 3];
      out[p] = buf[q] + 255 * (1 - a);
      out[p + 1] = buf[q + 1] + 255 * (1 - a);
      out[p + 2] = buf[q + 2] + 255 * (1 - a);
      out[p + 3] = 255;
    }
  });
  if (blur >= 1) {
    const plane = new Float32Array(W * H);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < plane.length; i++) plane[i] = out[i * 4 + c];
      blurPlane(plane, W, H, blur);
      for (let i = 0; i < plane.length; i++) out[i * 4 + c] = plane[i];
    }
  }
  return out;
}

/**
 * The contact shadow's opacity (0..1) per canvas pixel: the placed silhouette flattened onto the
 * line it stands on (squashed to 12% of its height, nudged 2% down), blurred by softness, times strength.
 */
function contactShadow(img: Rgba, L: Layout, strength: number, softness: number): Float32Array {
  const { width: W, height: H } = L;
  const alpha = new Float32Array(W * H);
  resampleRows(img, W, H, L.scale, L.dx, L.dy, (y, buf) => {
    for (let x = 0; x < W; x++) alpha[y * W + x] = buf[x * 4 + 3];
  });
  const top = L.src.y0 * L.scale + L.dy;
  const base = L.src.y1 * L.scale + L.dy;
  const subjectH = Math.max(1, base - top);
  const subjectW = Math.max(1, (L.src.x1 - L.src.x0) * L.scale);
  const squash = 0.12;
  const drop = 0.02 * subjectH;
  const shadow = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    // Canvas row y shows the silhouette's row at base − (base + drop − y) / squash.
    const sy = Math.round(base - (base + drop - y) / squash);
    if (sy < 0 || sy >= H || sy > base || sy < top) continue;
    shadow.set(alpha.subarray(sy * W, sy * W + W), y * W);
  }
  blurPlane(shadow, W, H, Math.max(1, softness * 0.25 * subjectW));
  for (let i = 0; i < shadow.length; i++) shadow[i] = Math.min(1, shadow[i] * strength);
  return shadow;
}

/** Throws PresetInvalid (detail.issue = the first PresetIssue) when the preset cannot be applied. */
export function assertValidPreset(p: Preset): void {
  const issues = validatePreset(p);
  if (issues.length)
    throw new JingjieError('PresetInvalid', `Preset "${p.name}": ${issues.join(', ')}`, { issue: issues[0] });
}

/** Apply a preset to a cut-out (straight RGBA). Returns a new W×H straight RGBA canvas. */
export function present(img: Rgba, p: Preset, layers: PresentLayers = {}): Rgba {
  assertValidPreset(p);
  const L = layout(p, img);
  const { width: W, height: H } = L;
  const bgKind = p.background.kind;

  // Nothing to move and nothing behind: the stored cut-out as it is.
  if (
    bgKind === 'transparent' &&
    !p.shadow.enabled &&
    W === img.width &&
    H === img.height &&
    L.scale === 1 &&
    L.dx === 0 &&
    L.dy === 0
  )
    return { data: new Uint8ClampedArray(img.data), width: W, height: H };

  // The background layer, straight RGBA.
  let bg: Uint8ClampedArray;
  if (bgKind === 'image' || bgKind === 'blur') {
    const src = bgKind === 'image' ? layers.image : layers.original;
    if (!src)
      throw new JingjieError('PresetInvalid', `Preset "${p.name}": background image missing`, {
        issue: bgKind === 'image' ? 'noImage' : 'noOriginal',
      });
    const blur = bgKind === 'blur' ? (p.background.radius / 100) * Math.min(W, H) : 0;
    bg = coverLayer(src, W, H, blur);
  } else {
    bg = new Uint8ClampedArray(W * H * 4);
    if (bgKind !== 'transparent') {
      const [r, g, b] = bgKind === 'white' ? [255, 255, 255] : hexRgb(p.background.colour);
      for (let i = 0; i < bg.length; i += 4) {
        bg[i] = r;
        bg[i + 1] = g;
        bg[i + 2] = b;
        bg[i + 3] = 255;
      }
    }
  }

  if (p.shadow.enabled && p.shadow.strength > 0) {
    const s = contactShadow(img, L, p.shadow.strength, p.shadow.softness);
    for (let i = 0, q = 0; i < s.length; i++, q += 4) {
      const sa = s[i];
      if (sa <= 0) continue;
      const ba = bg[q + 3] / 255;
      const oa = sa + ba * (1 - sa);
      // Black over the background; colours stay straight.
      const k = (ba * (1 - sa)) / oa;
      bg[q] = bg[q] * k;
      bg[q + 1] = bg[q + 1] * k;
      bg[q + 2] = bg[q + 2] * k;
      bg[q + 3] = oa * 255;
    }
  }

  // The subject over it: premultiplied `over`, written back as straight RGBA.
  const out = bg;
  resampleRows(img, W, H, L.scale, L.dx, L.dy, (y, buf) => {
    for (let x = 0, q = 0, p2 = y * W * 4; x < W; x++, q += 4, p2 += 4) {
      const a = buf[q + 3];
      if (a <= 0) continue;
      const ba = out[p2 + 3] / 255;
      const keep = ba * (1 - a);
      const oa = a + keep;
      out[p2] = (buf[q] + out[p2] * keep) / oa;
      out[p2 + 1] = (buf[q + 1] + out[p2 + 1] * keep) / oa;
      out[p2 + 2] = (buf[q + 2] + out[p2 + 2] * keep) / oa;
      out[p2 + 3] = oa * 255;
    }
  });
  return { data: out, width: W, height: H };
}

function hexRgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}
