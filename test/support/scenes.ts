// Procedural matting scenes with known answers: a true high-res alpha (solid subject, soft
// edges, thousands of sub-pixel hair strands), a textured true foreground colour, a
// background, and their composite. Deterministic for a given seed. No DOM, no files.

export interface RgbImage {
  width: number;
  height: number;
  /** RGBA, 8-bit (A ignored). */
  data: Uint8ClampedArray;
}

export interface Scene {
  width: number;
  height: number;
  /** True alpha, 0..1. */
  alpha: Float32Array;
  /** True foreground colour, RGBA (A = 255). */
  fg: Uint8ClampedArray;
  /** Background, RGBA (A = 255). */
  bg: Uint8ClampedArray;
  /** α·F + (1 − α)·B (+ sensor noise), RGBA 8-bit with A = 255: what the user's photo holds. */
  composite: Uint8ClampedArray;
  hairCount: number;
}

export interface SceneOptions {
  width: number;
  height: number;
  seed: number;
  /** Hair strands; default scales with the area (≈ 5000 at 12 MP, never below 150). */
  hairCount?: number;
  /** Background photo (resized to cover); procedural when omitted. */
  background?: RgbImage;
  /** Std-dev of Gaussian sensor noise added to the composite, in 8-bit levels. Default 1.5. */
  noise?: number;
}

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gauss(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Smooth colour noise: random colours on a gx×gy lattice, smoothstep-interpolated. */
export class ColourField {
  private readonly g: Float32Array;
  constructor(
    private readonly gx: number,
    private readonly gy: number,
    private readonly w: number,
    private readonly h: number,
    rand: () => number,
    palette: (rand: () => number) => [number, number, number],
  ) {
    this.g = new Float32Array((gx + 1) * (gy + 1) * 3);
    for (let k = 0; k < (gx + 1) * (gy + 1); k++) {
      const c = palette(rand);
      this.g[k * 3] = c[0];
      this.g[k * 3 + 1] = c[1];
      this.g[k * 3 + 2] = c[2];
    }
  }
  /** Writes the colour (0..255) at (x, y) into out[0..2]. */
  at(x: number, y: number, out: Float32Array): void {
    const fx = (x / this.w) * this.gx,
      fy = (y / this.h) * this.gy;
    let ix = Math.floor(fx),
      iy = Math.floor(fy);
    if (ix >= this.gx) ix = this.gx - 1;
    if (iy >= this.gy) iy = this.gy - 1;
    if (ix < 0) ix = 0;
    if (iy < 0) iy = 0;
    let tx = fx - ix,
      ty = fy - iy;
    tx = tx * tx * (3 - 2 * tx);
    ty = ty * ty * (3 - 2 * ty);
    const s = this.gx + 1;
    const a = (iy * s + ix) * 3,
      b = a + 3,
      c = a + s * 3,
      d = c + 3;
    for (let k = 0; k < 3; k++) {
      const top = this.g[a + k] + tx * (this.g[b + k] - this.g[a + k]);
      const bot = this.g[c + k] + tx * (this.g[d + k] - this.g[c + k]);
      out[k] = top + ty * (bot - top);
    }
  }
}

const hairPalette = (rand: () => number): [number, number, number] => {
  // dark brown to blond, some reddish
  const t = rand();
  const base = 40 + 170 * t * t;
  return [base * (1.05 + 0.25 * rand()), base * (0.8 + 0.1 * rand()), base * (0.5 + 0.15 * rand())];
};
const clothPalette = (rand: () => number): [number, number, number] => [
  30 + 200 * rand(),
  30 + 200 * rand(),
  30 + 200 * rand(),
];

/** Resize a photo to cover w×h (bilinear, centred crop). */
export function coverResize(img: RgbImage, w: number, h: number): Uint8ClampedArray {
  const s = Math.max(w / img.width, h / img.height);
  const ox = (img.width * s - w) / 2,
    oy = (img.height * s - h) / 2;
  const out = new Uint8ClampedArray(w * h * 4);
  const src = img.data,
    iw = img.width,
    ih = img.height;
  for (let y = 0; y < h; y++) {
    let sy = (y + 0.5 + oy) / s - 0.5;
    if (sy < 0) sy = 0;
    if (sy > ih - 1) sy = ih - 1;
    const y0 = Math.floor(sy),
      y1 = Math.min(ih - 1, y0 + 1),
      fy = sy - y0;
    for (let x = 0; x < w; x++) {
      let sx = (x + 0.5 + ox) / s - 0.5;
      if (sx < 0) sx = 0;
      if (sx > iw - 1) sx = iw - 1;
      const x0 = Math.floor(sx),
        x1 = Math.min(iw - 1, x0 + 1),
        fx = sx - x0;
      const o = (y * w + x) * 4;
      for (let k = 0; k < 3; k++) {
        const a = src[(y0 * iw + x0) * 4 + k],
          b = src[(y0 * iw + x1) * 4 + k];
        const c = src[(y1 * iw + x0) * 4 + k],
          d = src[(y1 * iw + x1) * 4 + k];
        out[o + k] = (a + fx * (b - a)) * (1 - fy) + (c + fx * (d - c)) * fy;
      }
      out[o + 3] = 255;
    }
  }
  return out;
}

/** Procedural background: smooth colour noise, hard-edged shapes, fine texture. */
export function proceduralBackground(w: number, h: number, seed: number): Uint8ClampedArray {
  const rand = prng(seed ^ 0x9e3779b9);
  const field = new ColourField(5, 4, w, h, rand, clothPalette);
  const detail = new ColourField(40, 30, w, h, rand, () => [
    rand() * 60 - 30,
    rand() * 60 - 30,
    rand() * 60 - 30,
  ]);
  const shapes: { cx: number; cy: number; rx: number; ry: number; rect: boolean; c: number[] }[] = [];
  for (let k = 0; k < 14; k++) {
    shapes.push({
      cx: rand() * w,
      cy: rand() * h,
      rx: (0.04 + 0.15 * rand()) * w,
      ry: (0.04 + 0.15 * rand()) * h,
      rect: rand() < 0.5,
      c: clothPalette(rand),
    });
  }
  const out = new Uint8ClampedArray(w * h * 4);
  const c = new Float32Array(3),
    d = new Float32Array(3);
  const period = Math.max(3, w / 300);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      field.at(x, y, c);
      detail.at(x, y, d);
      let r = c[0] + d[0],
        g = c[1] + d[1],
        b = c[2] + d[2];
      for (const s of shapes) {
        const u = (x - s.cx) / s.rx,
          v = (y - s.cy) / s.ry;
        const inside = s.rect ? Math.abs(u) < 1 && Math.abs(v) < 1 : u * u + v * v < 1;
        if (inside) {
          r = 0.35 * r + 0.65 * s.c[0];
          g = 0.35 * g + 0.65 * s.c[1];
          b = 0.35 * b + 0.65 * s.c[2];
        }
      }
      const tex = 10 * Math.sin((x + 0.7 * y) / period);
      const o = (y * w + x) * 4;
      out[o] = r + tex;
      out[o + 1] = g + tex;
      out[o + 2] = b + tex;
      out[o + 3] = 255;
    }
  }
  return out;
}

/** The head-over-shoulders subject of the hair scenes (makeScene, and the bench's photo family). */
export interface HeadAndBody {
  /** Head centre, its outline radius and edge softness (pixels) by angle. */
  hx: number;
  hy: number;
  headR: (th: number) => number;
  edgeWidth: (th: number) => number;
  /** Shoulders: an ellipse centred (sx, sy) with radii (srx, sry); its edge blurred by bodySoft. */
  sx: number;
  sy: number;
  srx: number;
  sry: number;
  bodySoft: number;
  hairField: ColourField;
  clothField: ColourField;
  /** Hair texture: stripe period and direction (cos, sin). */
  stripe: number;
  ca: number;
  sa: number;
}

/**
 * Paint the head (hair texture) over the shoulders (a checked cloth) into `alpha` (0..1) and
 * `fg` (straight RGBA): the head's outline smoothstepped where it is soft, the body's linear.
 */
export function paintHeadAndBody(
  alpha: Float32Array,
  fg: Uint8ClampedArray,
  w: number,
  h: number,
  s: HeadAndBody,
): void {
  const { hx, hy, headR, edgeWidth, sx, sy, srx, sry, bodySoft, hairField, clothField, stripe, ca, sa } = s;
  const c = new Float32Array(3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x + 0.5 - hx,
        dy = y + 0.5 - hy;
      const rr = Math.sqrt(dx * dx + dy * dy);
      const th = Math.atan2(dy, dx);
      const sw = edgeWidth(th);
      let ah = (headR(th) - rr) / sw + 0.5;
      ah = ah <= 0 ? 0 : ah >= 1 ? 1 : sw > 1.5 ? ah * ah * (3 - 2 * ah) : ah;
      const u = (x + 0.5 - sx) / srx,
        v = (y + 0.5 - sy) / sry;
      const e = Math.sqrt(u * u + v * v);
      let as = ((1 - e) * Math.min(srx, sry)) / bodySoft + 0.5;
      as = as <= 0 ? 0 : as >= 1 ? 1 : as;
      const a = Math.max(ah, as);
      alpha[y * w + x] = a;
      const o = (y * w + x) * 4;
      if (ah >= as) {
        hairField.at(x, y, c);
        // fine strand texture inside the hair mass
        const t = Math.sin((x * ca + y * sa) / stripe + 3 * Math.sin((x * sa - y * ca) / (40 * stripe)));
        const k = 1 + 0.25 * t;
        fg[o] = c[0] * k;
        fg[o + 1] = c[1] * k;
        fg[o + 2] = c[2] * k;
      } else {
        clothField.at(x, y, c);
        const t = ((Math.floor(x / (6 * stripe)) + Math.floor(y / (6 * stripe))) & 1) * 30 - 15;
        fg[o] = c[0] + t;
        fg[o + 1] = c[1] + t;
        fg[o + 2] = c[2] + t;
      }
      fg[o + 3] = 255;
    }
  }
}

export function makeScene(opts: SceneOptions): Scene {
  const { width: w, height: h, seed } = opts;
  const rand = prng(seed);
  const m = Math.min(w, h);
  const unit = m / 3000; // 1 at 12 MP (4000×3000)
  const hairCount = opts.hairCount ?? Math.max(150, Math.round((5000 * (w * h)) / 12e6));
  const alpha = new Float32Array(w * h);
  const fg = new Uint8ClampedArray(w * h * 4);

  // Subject: a head (noisy radial outline) over shoulders (a wide ellipse leaving the frame).
  const hx = w * (0.42 + 0.16 * rand()),
    hy = h * (0.38 + 0.08 * rand()),
    hr = m * (0.2 + 0.05 * rand());
  const harm: { a: number; k: number; p: number }[] = [];
  for (let k = 2; k <= 7; k++) harm.push({ a: (0.05 * rand()) / (k * 0.5), k, p: rand() * 6.283 });
  const soft: { k: number; p: number; amp: number }[] = [];
  for (let k = 0; k < 2; k++)
    soft.push({ k: 1 + Math.floor(rand() * 3), p: rand() * 6.283, amp: (10 + 30 * rand()) * unit });
  const headR = (th: number) => {
    let r = 1;
    for (const q of harm) r += q.a * Math.sin(q.k * th + q.p);
    return hr * r;
  };
  const edgeWidth = (th: number) => {
    let s = 1;
    for (const q of soft) {
      const v = Math.max(0, Math.sin(q.k * th + q.p));
      s += q.amp * v * v * v * v;
    }
    return s;
  };
  const sx = w * 0.5 + (rand() - 0.5) * w * 0.1,
    sy = h * 1.02,
    srx = w * (0.3 + 0.1 * rand()),
    sry = h * (0.38 + 0.05 * rand());
  const hairField = new ColourField(6, 5, w, h, rand, hairPalette);
  const clothField = new ColourField(4, 3, w, h, rand, clothPalette);
  const c = new Float32Array(3);
  const stripe = Math.max(2.5, 7 * unit);
  const stripeAngle = rand() * 3.14;
  const ca = Math.cos(stripeAngle),
    sa = Math.sin(stripeAngle);
  paintHeadAndBody(alpha, fg, w, h, {
    hx,
    hy,
    headR,
    edgeWidth,
    sx,
    sy,
    srx,
    sry,
    bodySoft: 1,
    hairField,
    clothField,
    stripe,
    ca,
    sa,
  });

  // Hair strands: curved polylines from inside the head outline outwards, sub-pixel wide,
  // anti-aliased by exact 1-D overlap of the strand's cross-section with the pixel.
  const stamp = new Int32Array(w * h).fill(-1);
  const cov = new Float32Array(w * h);
  const touched: number[] = [];
  for (let s = 0; s < hairCount; s++) {
    const th0 = rand() < 0.8 ? -Math.PI * (0.05 + 0.9 * rand()) : rand() * 2 * Math.PI; // mostly the top
    const r0 = headR(th0) - (2 + 25 * rand()) * unit;
    let px = hx + r0 * Math.cos(th0),
      py = hy + r0 * Math.sin(th0);
    let dir = th0 + (rand() - 0.5) * 1.2;
    let curl = ((rand() - 0.5) * 0.04) / Math.max(unit, 0.2);
    const len = (20 + (rand() < 0.15 ? 400 : 160) * rand()) * unit + 8;
    const width0 = 0.35 + 1.3 * rand() * rand();
    const opacity = 0.55 + 0.45 * rand();
    hairField.at(Math.min(w - 1, Math.max(0, px)), Math.min(h - 1, Math.max(0, py)), c);
    const tint = 0.8 + 0.45 * rand();
    const hr8 = c[0] * tint,
      hg8 = c[1] * tint,
      hb8 = c[2] * tint;
    const step = 1;
    const steps = Math.ceil(len / step);
    for (let i = 0; i < steps; i++) {
      const nx = px + step * Math.cos(dir),
        ny = py + step * Math.sin(dir);
      const wd = width0 * (1 - 0.7 * (i / steps)); // taper
      const half = wd / 2;
      const x0 = Math.max(0, Math.floor(Math.min(px, nx) - half - 1));
      const x1 = Math.min(w - 1, Math.ceil(Math.max(px, nx) + half + 1));
      const y0 = Math.max(0, Math.floor(Math.min(py, ny) - half - 1));
      const y1 = Math.min(h - 1, Math.ceil(Math.max(py, ny) + half + 1));
      const ex = nx - px,
        ey = ny - py,
        el = ex * ex + ey * ey;
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const qx = x + 0.5 - px,
            qy = y + 0.5 - py;
          let t = (qx * ex + qy * ey) / el;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const ddx = qx - t * ex,
            ddy = qy - t * ey;
          const d = Math.sqrt(ddx * ddx + ddy * ddy);
          const cv = Math.max(0, Math.min(0.5, d + half) - Math.max(-0.5, d - half)) * opacity;
          if (cv <= 0) continue;
          const p = y * w + x;
          if (stamp[p] !== s) {
            stamp[p] = s;
            cov[p] = cv;
            touched.push(p);
          } else if (cv > cov[p]) cov[p] = cv;
        }
      }
      px = nx;
      py = ny;
      dir += curl;
      curl += (rand() - 0.5) * 0.01;
    }
    // composite the strand over what is there (premultiplied "over")
    for (const p of touched) {
      const cv = cov[p];
      const a = alpha[p];
      const na = cv + (1 - cv) * a;
      const o = p * 4;
      const k = (1 - cv) * a;
      fg[o] = (cv * hr8 + k * fg[o]) / na;
      fg[o + 1] = (cv * hg8 + k * fg[o + 1]) / na;
      fg[o + 2] = (cv * hb8 + k * fg[o + 2]) / na;
      alpha[p] = na;
    }
    touched.length = 0;
  }

  const bg = opts.background ? coverResize(opts.background, w, h) : proceduralBackground(w, h, seed + 17);
  const composite = compose(alpha, fg, bg, w, h);
  const sigma = opts.noise ?? 1.5;
  if (sigma > 0) {
    const nr = prng(seed ^ 0x5bd1e995);
    for (let i = 0; i < w * h * 4; i += 4) {
      composite[i] += sigma * gauss(nr);
      composite[i + 1] += sigma * gauss(nr);
      composite[i + 2] += sigma * gauss(nr);
    }
  }
  return { width: w, height: h, alpha, fg, bg, composite, hairCount };
}

/** α·F + (1 − α)·B, 8-bit RGBA with A = 255. Alpha as floats 0..1 or 8-bit. */
export function compose(
  alpha: Float32Array | Uint8Array | Uint8ClampedArray,
  fg: Uint8ClampedArray,
  bg: Uint8ClampedArray,
  w: number,
  h: number,
): Uint8ClampedArray {
  const out = new Uint8ClampedArray(w * h * 4);
  const k = alpha instanceof Float32Array ? 1 : 1 / 255;
  for (let i = 0; i < w * h; i++) {
    const a = alpha[i] * k,
      b = 1 - a,
      o = i * 4;
    out[o] = a * fg[o] + b * bg[o];
    out[o + 1] = a * fg[o + 1] + b * bg[o + 1];
    out[o + 2] = a * fg[o + 2] + b * bg[o + 2];
    out[o + 3] = 255;
  }
  return out;
}

/** Area-average a float alpha down to lw×lh (the model's view of the true alpha). */
export function downsampleAlphaArea(
  alpha: Float32Array,
  w: number,
  h: number,
  lw: number,
  lh: number,
): Float32Array {
  const sx = w / lw,
    sy = h / lh;
  const out = new Float64Array(lw * lh);
  const tx = new Int32Array(w),
    wx = new Float64Array(w);
  for (let x = 0; x < w; x++) {
    const j = Math.min(lw - 1, Math.floor(x / sx));
    const edge = (j + 1) * sx;
    tx[x] = j;
    wx[x] = x + 1 <= edge ? 1 : edge - x;
  }
  const row = new Float64Array(lw + 1);
  for (let y = 0; y < h; y++) {
    const t = Math.min(lh - 1, Math.floor(y / sy));
    const edge = (t + 1) * sy;
    const wy = y + 1 <= edge ? 1 : edge - y;
    row.fill(0);
    for (let x = 0; x < w; x++) {
      const v = alpha[y * w + x];
      row[tx[x]] += wx[x] * v;
      row[tx[x] + 1] += (1 - wx[x]) * v;
    }
    for (let j = 0; j < lw; j++) {
      out[t * lw + j] += wy * row[j];
      if (t + 1 < lh) out[(t + 1) * lw + j] += (1 - wy) * row[j];
    }
  }
  const res = new Float32Array(lw * lh);
  const norm = 1 / (sx * sy);
  for (let k = 0; k < lw * lh; k++) res[k] = Math.min(1, Math.max(0, out[k] * norm));
  return res;
}

// ------------------------------------------------------------- scenes for the model in the loop

/** The scene kinds the model-in-the-loop bench runs; `hard` ones want a crisp edge. */
export const SCENE_KINDS = ['hair-defocused', 'hair-busy', 'veil', 'bottle', 'box'] as const;
export type SceneKind = (typeof SCENE_KINDS)[number];
export const HARD_KINDS: readonly SceneKind[] = ['bottle', 'box'];

/** Separable box blur of an RGBA image, repeated `passes` times (≈ Gaussian): a defocused backdrop. */
export function blurRgba(
  src: Uint8ClampedArray,
  w: number,
  h: number,
  r: number,
  passes = 3,
): Uint8ClampedArray {
  let a = Float32Array.from(src);
  let b = new Float32Array(a.length);
  const n = 2 * r + 1;
  for (let p = 0; p < passes; p++) {
    for (let y = 0; y < h; y++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let i = -r; i <= r; i++) s += a[(y * w + Math.min(w - 1, Math.max(0, i))) * 4 + c];
        for (let x = 0; x < w; x++) {
          b[(y * w + x) * 4 + c] = s / n;
          s += a[(y * w + Math.min(w - 1, x + r + 1)) * 4 + c] - a[(y * w + Math.max(0, x - r)) * 4 + c];
        }
      }
    }
    [a, b] = [b, a];
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let i = -r; i <= r; i++) s += a[(Math.min(h - 1, Math.max(0, i)) * w + x) * 4 + c];
        for (let y = 0; y < h; y++) {
          b[(y * w + x) * 4 + c] = s / n;
          s += a[(Math.min(h - 1, y + r + 1) * w + x) * 4 + c] - a[(Math.max(0, y - r) * w + x) * 4 + c];
        }
      }
    }
    [a, b] = [b, a];
  }
  const out = new Uint8ClampedArray(src.length);
  for (let i = 0; i < out.length; i++) out[i] = (i & 3) === 3 ? 255 : a[i];
  return out;
}

function addNoise(img: Uint8ClampedArray, sigma: number, seed: number): void {
  const nr = prng(seed ^ 0x5bd1e995);
  for (let i = 0; i < img.length; i += 4) {
    img[i] += sigma * gauss(nr);
    img[i + 1] += sigma * gauss(nr);
    img[i + 2] += sigma * gauss(nr);
  }
}

/** Coverage of a pixel by a shape given its signed distance (negative inside), 1-px anti-aliasing. */
const cover = (sd: number) => (sd <= -0.5 ? 1 : sd >= 0.5 ? 0 : 0.5 - sd);

function roundedBoxSd(
  px: number,
  py: number,
  cx: number,
  cy: number,
  hw: number,
  hh: number,
  r: number,
): number {
  const qx = Math.abs(px - cx) - hw + r,
    qy = Math.abs(py - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/**
 * One scene of a given kind at w×h: strands over a defocused or a busy background (the hair
 * scene of `makeScene`), a semi-transparent veil over a figure, or a hard-edged product (a
 * bottle, a box) whose right answer is a crisp, 1-px anti-aliased edge.
 */
export function makeKindScene(kind: SceneKind, w: number, h: number, seed: number): Scene {
  const busy = proceduralBackground(w, h, seed + 17);
  const defocused = () => blurRgba(busy, w, h, Math.max(2, Math.round(Math.min(w, h) / 120)));
  if (kind === 'hair-defocused' || kind === 'hair-busy') {
    const bg = kind === 'hair-busy' ? busy : defocused();
    return makeScene({ width: w, height: h, seed, background: { width: w, height: h, data: bg } });
  }
  const rand = prng(seed);
  const alpha = new Float32Array(w * h);
  const fg = new Uint8ClampedArray(w * h * 4);
  const bg = defocused(); // product and portrait shots: the subject stands out
  const m = Math.min(w, h);
  const c = new Float32Array(3);
  if (kind === 'bottle') {
    const cx = w * (0.45 + 0.1 * rand()),
      bodyTop = h * 0.42,
      bottom = h * 0.92;
    const bw = m * 0.16,
      nw = m * 0.05,
      neckTop = h * 0.12;
    const hue: [number, number, number] = [40 + 60 * rand(), 110 + 60 * rand(), 60 + 40 * rand()];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const px = x + 0.5,
          py = y + 0.5;
        const body = roundedBoxSd(px, py, cx, (bodyTop + bottom) / 2, bw, (bottom - bodyTop) / 2, m * 0.04);
        const neck = roundedBoxSd(
          px,
          py,
          cx,
          (neckTop + bodyTop) / 2 + m * 0.02,
          nw,
          (bodyTop - neckTop) / 2 + m * 0.02,
          m * 0.01,
        );
        const a = cover(Math.min(body, neck));
        const i = y * w + x;
        alpha[i] = a;
        const u = (px - cx) / bw; // −1..1 across the body: shading and a highlight stripe
        const shade =
          0.55 + 0.45 * Math.cos(Math.min(1, Math.abs(u)) * 1.4) + (Math.abs(u + 0.45) < 0.08 ? 0.5 : 0);
        fg[i * 4] = hue[0] * shade;
        fg[i * 4 + 1] = hue[1] * shade;
        fg[i * 4 + 2] = hue[2] * shade;
        fg[i * 4 + 3] = 255;
      }
    }
  } else if (kind === 'box') {
    const cx = w * (0.45 + 0.1 * rand()),
      cy = h * (0.5 + 0.05 * rand()),
      s = m * 0.3,
      th = 0.3 + 0.4 * rand();
    const cs = Math.cos(th),
      sn = Math.sin(th);
    const face: [number, number, number] = [150 + 80 * rand(), 90 + 80 * rand(), 40 + 60 * rand()];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const dx = x + 0.5 - cx,
          dy = y + 0.5 - cy;
        const u = cs * dx + sn * dy,
          v = -sn * dx + cs * dy;
        const sd = Math.max(Math.abs(u) - s, Math.abs(v) - s * 0.8);
        const i = y * w + x;
        alpha[i] = cover(sd);
        // two faces split by a diagonal fold line, a printed label stripe
        const k = u + 0.3 * v > 0 ? 1 : 0.72;
        const label = Math.abs(v) < s * 0.15 ? 0.6 : 1;
        fg[i * 4] = face[0] * k * label;
        fg[i * 4 + 1] = face[1] * k;
        fg[i * 4 + 2] = face[2] * k * (2 - label);
        fg[i * 4 + 3] = 255;
      }
    }
  } else {
    // veil: a figure (head + shoulders, opaque) under a pale, semi-transparent veil that falls
    // past the shoulders on both sides; folds vary its opacity, its own hem is soft over ~3 px.
    const hx = w * 0.5,
      hy = h * 0.35,
      hr = m * 0.15;
    const veilTop = hy - hr * 1.15,
      veilHalf = m * 0.38;
    const tone: [number, number, number] = [225 + 25 * rand(), 215 + 25 * rand(), 230 + 20 * rand()];
    const skin: [number, number, number] = [200 + 30 * rand(), 150 + 20 * rand(), 120 + 20 * rand()];
    const dress: [number, number, number] = [30 + 40 * rand(), 30 + 30 * rand(), 60 + 60 * rand()];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const px = x + 0.5,
          py = y + 0.5;
        const head = Math.hypot(px - hx, (py - hy) * 0.85) - hr;
        const sh = Math.hypot((px - hx) / (w * 0.32), (py - h * 1.05) / (h * 0.45)) - 1;
        const body = cover(Math.min(head, sh * w * 0.32));
        // veil: inside a bell shape hanging from above the head
        const t = (py - veilTop) / (h - veilTop);
        const half = hr * 1.2 + (veilHalf - hr * 1.2) * Math.min(1, Math.max(0, t) * 1.6);
        const vsd = Math.max(Math.abs(px - hx) - half, veilTop - py);
        const hem = vsd <= -1.5 ? 1 : vsd >= 1.5 ? 0 : (1.5 - vsd) / 3;
        const fold = 0.45 + 0.12 * Math.sin(px / (m * 0.03) + 2 * Math.sin(py / (m * 0.08)));
        const va = hem * fold;
        const i = y * w + x;
        const a = va + (1 - va) * body;
        alpha[i] = a;
        const under = head < 0 || (head < 0.5 && sh >= 0) ? skin : dress;
        c[0] = under[0];
        c[1] = under[1];
        c[2] = under[2];
        const o = i * 4;
        for (let k = 0; k < 3; k++) fg[o + k] = a > 0 ? (va * tone[k] + (1 - va) * body * c[k]) / a : tone[k];
        fg[o + 3] = 255;
      }
    }
  }
  const composite = compose(alpha, fg, bg, w, h);
  addNoise(composite, 1.5, seed);
  return { width: w, height: h, alpha, fg, bg, composite, hairCount: 0 };
}
