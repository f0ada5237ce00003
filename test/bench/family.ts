// A family of matting scenes generated from parameters (strands, background, subject, edges,
// size), one fixed seed per scene, split into a tuning set and a held-out set fixed in advance.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng } from './edges';
import {
  blurRgba,
  ColourField,
  compose,
  coverResize,
  gauss,
  makeKindScene,
  prng,
  proceduralBackground,
  type RgbImage,
  type Scene,
  paintHeadAndBody,
} from '../support/scenes';

/**
 * The split, fixed before any tuning (issue #22): parameters may be tuned on TUNING_SEEDS and
 * looked at freely; only HELD_OUT_SEEDS are reported as results. A seed's class is seed % 6
 * (see SCENE_CLASSES), so each set holds every class; all other parameters come from the seed.
 * The tuning set was seeds 1–12 at first and grew to 1–48 (2026-12-05), after parameters tuned
 * on the first twelve failed to hold on the next thirty-six, then to 1–96 (2026-12-06); the
 * held-out set never changed.
 */
export const TUNING_SEEDS: readonly number[] = Array.from({ length: 96 }, (_, i) => 1 + i);
export const HELD_OUT_SEEDS: readonly number[] = Array.from({ length: 24 }, (_, i) => 1001 + i);

/** Scene classes, by seed % 6. */
export const SCENE_CLASSES = [
  'hard-edged', // a box or bottle, 1-px anti-aliased outline, over any of the backgrounds
  'hair-defocused', // strands over a defocused photo
  'hair-textured', // strands over an in-focus fine texture (grain, stripes, dots) on a photo
  'hair-near', // strands over a background whose colour is close to the hair's
  'hair-sharp', // strands over an in-focus photo
  'hair-soft', // strands, and a subject outline that is itself soft (defocused or in motion)
] as const;
export type SceneClass = (typeof SCENE_CLASSES)[number];

export type Texture = 'none' | 'grain' | 'stripes' | 'dots';

export interface FamilyParams {
  seed: number;
  cls: SceneClass;
  width: number;
  height: number;
  /** Strand count relative to the default density (≈ 5000 strands at 12 MP). */
  density: number;
  /** Multiplies the strand width (px at 12 MP; thinner at smaller sizes). */
  strandWidth: number;
  /** Curl: change of direction per px (radians, at 12 MP). */
  curl: number;
  /** Flyaway length scale. */
  length: number;
  /** Base hair colour (0..255) and per-strand colour spread (0 = one colour). */
  hair: [number, number, number];
  hairName: string;
  colourSpread: number;
  /** Background: a fixture photo (or procedural), its zoom, defocus (blur radius, px) and texture. */
  photo: string;
  zoom: number;
  defocus: number;
  texture: Texture;
  textureAmp: number;
  /** Background pulled towards the hair colour, 0..1. */
  nearHair: number;
  /** Subject: head radius (share of the short side), where strands start (angular spread). */
  headRadius: number;
  spread: number;
  /** Soft outline amplitude (px at 12 MP; 0 = crisp). */
  softEdge: number;
  /** Sensor noise σ (8-bit levels). */
  noise: number;
}

const SIZES: [number, number][] = [
  [1200, 900],
  [1600, 1200],
  [1200, 1600],
  [2000, 1500],
  [1024, 768],
];
const HAIRS: [string, [number, number, number]][] = [
  ['black', [28, 22, 20]],
  ['dark brown', [62, 42, 30]],
  ['brown', [112, 76, 48]],
  ['blond', [205, 170, 115]],
  ['red', [160, 70, 38]],
  ['grey', [175, 172, 168]],
  ['dyed', [60, 90, 190]],
];
export const PHOTOS = ['astronaut.png', 'coffee.png', 'chelsea.png', 'procedural'];

/** The parameters of a seed's scene (deterministic). Size can be overridden (timing runs). */
export function familyParams(seed: number, size?: [number, number]): FamilyParams {
  const r = prng(seed * 7919 + 13);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length) % xs.length];
  const cls = SCENE_CLASSES[seed % SCENE_CLASSES.length];
  const [width, height] = size ?? pick(SIZES);
  const [hairName, hair] = pick(HAIRS);
  const texture: Texture = cls === 'hair-textured' ? pick(['grain', 'stripes', 'dots'] as const) : 'none';
  return {
    seed,
    cls,
    width,
    height,
    density: 0.3 + 1.7 * r(),
    strandWidth: 0.5 + 1.5 * r(),
    curl: 0.005 + 0.06 * r() * r(),
    length: 0.5 + 1.5 * r(),
    hair,
    hairName,
    colourSpread: 0.05 + 0.45 * r(),
    photo: pick(PHOTOS),
    zoom: 1 + 1.5 * r(),
    defocus:
      cls === 'hair-defocused' || cls === 'hard-edged'
        ? 0.4 + 1.2 * r()
        : cls === 'hair-near' || cls === 'hair-soft'
          ? 0.6 * r()
          : 0,
    texture,
    textureAmp: 12 + 28 * r(),
    nearHair: cls === 'hair-near' ? 0.7 + 0.25 * r() : 0,
    headRadius: 0.16 + 0.1 * r(),
    spread: 0.4 + 0.6 * r(),
    softEdge: cls === 'hair-soft' ? 8 + 30 * r() : 0,
    noise: 1 + 2 * r(),
  };
}

let photoCache: Map<string, RgbImage> | null = null;
function photo(name: string): RgbImage | null {
  if (name === 'procedural') return null;
  photoCache ??= new Map();
  let img = photoCache.get(name);
  if (!img) {
    const dec = decodePng(readFileSync(join(process.cwd(), 'test/fixtures/photos', name)));
    if (!dec) throw new Error(`cannot decode ${name}`);
    img = dec;
    photoCache.set(name, img);
  }
  return img;
}

/** Crop a zoomed window of an image (bilinear), offset chosen by `rand`. */
function zoomCrop(img: RgbImage, zoom: number, rand: () => number): RgbImage {
  const cw = Math.max(8, Math.round(img.width / zoom)),
    ch = Math.max(8, Math.round(img.height / zoom));
  const ox = Math.floor(rand() * (img.width - cw + 1)),
    oy = Math.floor(rand() * (img.height - ch + 1));
  const flip = rand() < 0.5;
  const data = new Uint8ClampedArray(cw * ch * 4);
  for (let y = 0; y < ch; y++)
    for (let x = 0; x < cw; x++) {
      const sx = flip ? ox + cw - 1 - x : ox + x;
      const s = ((oy + y) * img.width + sx) * 4,
        d = (y * cw + x) * 4;
      data[d] = img.data[s];
      data[d + 1] = img.data[s + 1];
      data[d + 2] = img.data[s + 2];
      data[d + 3] = 255;
    }
  return { width: cw, height: ch, data };
}

/** The background of a scene: photo or procedural, zoom, defocus, texture, pull to the hair colour. */
export function familyBackground(p: FamilyParams): Uint8ClampedArray {
  const { width: w, height: h } = p;
  const rand = prng(p.seed * 31 + 7);
  const m = Math.min(w, h);
  const img = photo(p.photo);
  let bg = img ? coverResize(zoomCrop(img, p.zoom, rand), w, h) : proceduralBackground(w, h, p.seed + 17);
  const blur = Math.round((p.defocus * m) / 100);
  if (blur >= 1) bg = blurRgba(bg, w, h, blur);
  if (p.nearHair > 0) {
    // keep the photo's luminance pattern, take the hair's colour
    let mean = 0;
    for (let i = 0; i < w * h; i++) mean += bg[i * 4] * 0.3 + bg[i * 4 + 1] * 0.59 + bg[i * 4 + 2] * 0.11;
    mean /= w * h;
    const hl = p.hair[0] * 0.3 + p.hair[1] * 0.59 + p.hair[2] * 0.11;
    for (let i = 0; i < w * h; i++) {
      const o = i * 4;
      const l = bg[o] * 0.3 + bg[o + 1] * 0.59 + bg[o + 2] * 0.11;
      const k = (0.6 + (0.4 * l) / Math.max(mean, 1)) * Math.min(1.6, Math.max(0.6, (hl + 20) / (hl + 1)));
      for (let c = 0; c < 3; c++) bg[o + c] = (1 - p.nearHair) * bg[o + c] + p.nearHair * p.hair[c] * k;
    }
  }
  if (p.texture !== 'none') {
    const tr = prng(p.seed * 53 + 3);
    const a = p.textureAmp;
    if (p.texture === 'grain') {
      // in-focus grain: noise blurred over ~1 px, colour and luminance
      const g = new Float32Array(w * h);
      for (let i = 0; i < w * h; i++) g[i] = gauss(tr);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          const v =
            0.5 * g[i] + 0.25 * (g[y * w + Math.min(w - 1, x + 1)] + g[Math.min(h - 1, y + 1) * w + x]);
          const o = i * 4;
          bg[o] += a * v;
          bg[o + 1] += a * v * 0.9;
          bg[o + 2] += a * v * 0.8;
        }
    } else if (p.texture === 'stripes') {
      // fabric-like: two crossed sinusoids, periods 3–10 px
      const p1 = 3 + 7 * tr(),
        p2 = 3 + 7 * tr(),
        t1 = tr() * Math.PI,
        t2 = t1 + 0.6 + tr();
      const c1 = Math.cos(t1),
        s1 = Math.sin(t1),
        c2 = Math.cos(t2),
        s2 = Math.sin(t2);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const v =
            Math.sin(((x * c1 + y * s1) / p1) * 2 * Math.PI) * 0.6 +
            Math.sin(((x * c2 + y * s2) / p2) * 2 * Math.PI) * 0.4;
          const o = (y * w + x) * 4;
          bg[o] += a * v;
          bg[o + 1] += a * v;
          bg[o + 2] += a * v;
        }
    } else {
      // foliage/bokeh-like: small high-contrast blobs of random colours
      const count = Math.round((w * h) / 60);
      for (let k = 0; k < count; k++) {
        const cx = tr() * w,
          cy = tr() * h,
          rad = 0.8 + 3 * tr() * tr();
        const col = [tr() * 255, tr() * 255, tr() * 255];
        const mix = Math.min(1, a / 40);
        for (let y = Math.max(0, Math.floor(cy - rad)); y <= Math.min(h - 1, Math.ceil(cy + rad)); y++)
          for (let x = Math.max(0, Math.floor(cx - rad)); x <= Math.min(w - 1, Math.ceil(cx + rad)); x++) {
            const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) - rad;
            const cv = (d <= -0.5 ? 1 : d >= 0.5 ? 0 : 0.5 - d) * mix;
            if (cv <= 0) continue;
            const o = (y * w + x) * 4;
            for (let c = 0; c < 3; c++) bg[o + c] = (1 - cv) * bg[o + c] + cv * col[c];
          }
      }
    }
  }
  return bg;
}

/** A scene of the family: its parameters, its truth and its composite. */
export function familyScene(p: FamilyParams): Scene {
  const { width: w, height: h, seed } = p;
  const bg = familyBackground(p);
  let alpha: Float32Array, fg: Uint8ClampedArray, hairCount: number;
  if (p.cls === 'hard-edged') {
    const s = makeKindScene(seed % 2 ? 'bottle' : 'box', w, h, seed);
    alpha = s.alpha;
    fg = s.fg;
    hairCount = 0;
  } else {
    ({ alpha, fg, hairCount } = hairSubject(p));
  }
  const composite = compose(alpha, fg, bg, w, h);
  const nr = prng(seed ^ 0x5bd1e995);
  for (let i = 0; i < w * h * 4; i += 4) {
    composite[i] += p.noise * gauss(nr);
    composite[i + 1] += p.noise * gauss(nr);
    composite[i + 2] += p.noise * gauss(nr);
  }
  return { width: w, height: h, alpha, fg, bg, composite, hairCount };
}

/** Head and shoulders with strands (the structure of scenes.ts `makeScene`, parametrised). */
function hairSubject(p: FamilyParams): { alpha: Float32Array; fg: Uint8ClampedArray; hairCount: number } {
  const { width: w, height: h } = p;
  const rand = prng(p.seed);
  const m = Math.min(w, h);
  const unit = m / 3000;
  const hairCount = Math.max(150, Math.round((p.density * 5000 * (w * h)) / 12e6));
  const alpha = new Float32Array(w * h);
  const fg = new Uint8ClampedArray(w * h * 4);
  const hx = w * (0.4 + 0.2 * rand()),
    hy = h * (0.36 + 0.1 * rand()),
    hr = m * p.headRadius;
  const harm: { a: number; k: number; p: number }[] = [];
  for (let k = 2; k <= 7; k++) harm.push({ a: (0.05 * rand()) / (k * 0.5), k, p: rand() * 6.283 });
  const soft: { k: number; p: number; amp: number }[] = [];
  for (let k = 0; k < 2; k++)
    soft.push({ k: 1 + Math.floor(rand() * 3), p: rand() * 6.283, amp: p.softEdge * (0.5 + rand()) * unit });
  const headR = (th: number) => {
    let r = 1;
    for (const q of harm) r += q.a * Math.sin(q.k * th + q.p);
    return hr * r;
  };
  const edgeWidth = (th: number) => {
    let s = 1;
    for (const q of soft) {
      const v = Math.max(0, Math.sin(q.k * th + q.p));
      s += q.amp * v * v;
    }
    return s;
  };
  const sx = w * 0.5 + (rand() - 0.5) * w * 0.1,
    sy = h * 1.02,
    srx = w * (0.3 + 0.1 * rand()),
    sry = h * (0.38 + 0.05 * rand());
  const hairPal = (rr: () => number): [number, number, number] => {
    const k = 1 + (rr() - 0.5) * 2 * p.colourSpread;
    return [p.hair[0] * k * (1 + (rr() - 0.5) * p.colourSpread), p.hair[1] * k, p.hair[2] * k];
  };
  const hairField = new ColourField(6, 5, w, h, rand, hairPal);
  const clothField = new ColourField(4, 3, w, h, rand, () => [
    30 + 200 * rand(),
    30 + 200 * rand(),
    30 + 200 * rand(),
  ]);
  const c = new Float32Array(3);
  const stripe = Math.max(2.5, 7 * unit);
  const sa0 = rand() * 3.14;
  const ca = Math.cos(sa0),
    sa = Math.sin(sa0);
  const bodySoft = p.softEdge > 0 ? 1 + 0.3 * p.softEdge * unit : 1;
  paintHeadAndBody(alpha, fg, w, h, {
    hx,
    hy,
    headR,
    edgeWidth,
    sx,
    sy,
    srx,
    sry,
    bodySoft,
    hairField,
    clothField,
    stripe,
    ca,
    sa,
  });
  // strands: curved, tapered polylines from inside the outline outwards, exact 1-D coverage
  const stamp = new Int32Array(w * h).fill(-1);
  const cov = new Float32Array(w * h);
  const touched: number[] = [];
  const mid = -Math.PI / 2;
  for (let s = 0; s < hairCount; s++) {
    const th0 = mid + (rand() - 0.5) * 2 * Math.PI * p.spread;
    const r0 = headR(th0) - (2 + 25 * rand()) * unit;
    let px = hx + r0 * Math.cos(th0),
      py = hy + r0 * Math.sin(th0);
    let dir = th0 + (rand() - 0.5) * 1.2;
    let curl = (((rand() - 0.5) * 2 * p.curl) / Math.max(unit, 0.2)) * 0.5;
    const len = (20 + (rand() < 0.15 ? 400 : 160) * rand()) * unit * p.length + 8;
    const width0 = p.strandWidth * (0.35 + 1.3 * rand() * rand());
    const opacity = 0.55 + 0.45 * rand();
    hairField.at(Math.min(w - 1, Math.max(0, px)), Math.min(h - 1, Math.max(0, py)), c);
    const tint = 1 + (rand() - 0.5) * 2 * p.colourSpread;
    const hr8 = c[0] * tint,
      hg8 = c[1] * tint,
      hb8 = c[2] * tint * (1 + (rand() - 0.5) * p.colourSpread);
    const steps = Math.ceil(len);
    for (let i = 0; i < steps; i++) {
      const nx = px + Math.cos(dir),
        ny = py + Math.sin(dir);
      const half = (width0 * (1 - 0.7 * (i / steps))) / 2;
      const x0 = Math.max(0, Math.floor(Math.min(px, nx) - half - 1));
      const x1 = Math.min(w - 1, Math.ceil(Math.max(px, nx) + half + 1));
      const y0 = Math.max(0, Math.floor(Math.min(py, ny) - half - 1));
      const y1 = Math.min(h - 1, Math.ceil(Math.max(py, ny) + half + 1));
      const ex = nx - px,
        ey = ny - py,
        el = ex * ex + ey * ey;
      for (let y = y0; y <= y1; y++)
        for (let x = x0; x <= x1; x++) {
          const qx = x + 0.5 - px,
            qy = y + 0.5 - py;
          let t = (qx * ex + qy * ey) / el;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const d = Math.hypot(qx - t * ex, qy - t * ey);
          const cv = Math.max(0, Math.min(0.5, d + half) - Math.max(-0.5, d - half)) * opacity;
          if (cv <= 0) continue;
          const q = y * w + x;
          if (stamp[q] !== s) {
            stamp[q] = s;
            cov[q] = cv;
            touched.push(q);
          } else if (cv > cov[q]) cov[q] = cv;
        }
      px = nx;
      py = ny;
      dir += curl;
      curl += (rand() - 0.5) * 0.01;
    }
    for (const q of touched) {
      const cv = cov[q],
        a = alpha[q];
      const na = cv + (1 - cv) * a;
      const o = q * 4,
        k = (1 - cv) * a;
      fg[o] = (cv * hr8 + k * fg[o]) / na;
      fg[o + 1] = (cv * hg8 + k * fg[o + 1]) / na;
      fg[o + 2] = (cv * hb8 + k * fg[o + 2]) / na;
      alpha[q] = na;
    }
    touched.length = 0;
  }
  return { alpha, fg, hairCount };
}

/** One line describing a scene's parameters (for tables). */
export function describeParams(p: FamilyParams): string {
  const bg =
    `${p.photo.replace('.png', '')}` +
    (p.defocus > 0 ? ` blur ${p.defocus.toFixed(1)}%` : ' sharp') +
    (p.texture !== 'none' ? ` +${p.texture}` : '') +
    (p.nearHair > 0 ? ` near-hair ${p.nearHair.toFixed(2)}` : '');
  const hair =
    p.cls === 'hard-edged'
      ? p.seed % 2
        ? 'bottle'
        : 'box'
      : `${p.hairName} ×${p.density.toFixed(1)} w${p.strandWidth.toFixed(1)} curl ${p.curl.toFixed(3)}` +
        (p.softEdge > 0 ? ` soft ${p.softEdge.toFixed(0)}` : '');
  return `${p.width}×${p.height}, ${hair}; ${bg}`;
}
