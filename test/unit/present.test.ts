// Output presets in pixels (workers/pipeline/present.ts, issue 14): exact white, exact canvas,
// the subject's box at the requested margin (centred and on the bottom edge), specks ignored,
// JPEG refused over transparency, the shadow off by default, premultiplied edges.
import { describe, expect, it } from 'vitest';
import { layout, present, subjectBounds, type Rgba } from '../../workers/pipeline/present';
import {
  BUILT_IN_PRESETS,
  SHADOW_OFF,
  plainPreset,
  validatePreset,
  type Preset,
} from '../../src/shared/presets';
import { flattenOnto } from '../../workers/pipeline/compose';
import { JingjieError } from '../../src/shared/errors';

const [marketplace, transparent] = BUILT_IN_PRESETS;

/** A w×h cut-out: transparent, with an opaque red rectangle [x0,x1)×[y0,y1) and optional specks. */
function cutout(
  w: number,
  h: number,
  box: { x0: number; y0: number; x1: number; y1: number },
  specks: { x: number; y: number; a: number }[] = [],
): Rgba {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = box.y0; y < box.y1; y++)
    for (let x = box.x0; x < box.x1; x++) data.set([200, 30, 40, 255], (y * w + x) * 4);
  for (const s of specks) data.set([10, 10, 10, s.a], (s.y * w + s.x) * 4);
  return { data, width: w, height: h };
}

/** Bounding box of pixels that are at least half subject: alpha ≥ 128, or on an opaque light background, red-ish. */
function measuredBox(img: Rgba, isSubject: (p: number) => boolean) {
  let x0 = img.width,
    y0 = img.height,
    x1 = 0,
    y1 = 0;
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      if (!isSubject((y * img.width + x) * 4)) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + 1);
      y1 = Math.max(y1, y + 1);
    }
  return { x0, y0, x1, y1 };
}
const onWhite = (img: Rgba) => (p: number) => img.data[p + 1] < 255 - (255 - 30) / 2; // green channel below halfway

const preset = (over: Partial<Preset>): Preset => ({
  ...marketplace,
  id: 'test',
  name: 'test',
  builtIn: false,
  ...over,
});

describe('built-in presets', () => {
  it('are valid, have the shadow off, and are the two the issue names', () => {
    expect(BUILT_IN_PRESETS.map((p) => p.name)).toEqual([
      'Marketplace: white 2000×2000, 8% margin, JPEG 90',
      'Transparent PNG, original size',
    ]);
    for (const p of BUILT_IN_PRESETS) {
      expect(validatePreset(p)).toEqual([]);
      expect(p.shadow.enabled).toBe(false);
    }
  });
});

describe('validation', () => {
  it('refuses JPEG over a transparent background with a code', () => {
    const p = preset({ background: { kind: 'transparent' }, format: 'jpeg' });
    expect(validatePreset(p)).toContain('jpegNeedsOpaque');
    let err: unknown;
    try {
      present(cutout(10, 10, { x0: 2, y0: 2, x1: 8, y1: 8 }), p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JingjieError);
    expect((err as JingjieError).name).toBe('PresetInvalid');
    expect((err as JingjieError).detail).toEqual({ issue: 'jpegNeedsOpaque' });
    // PNG over transparency and JPEG over a colour are fine.
    expect(validatePreset({ ...p, format: 'png' })).toEqual([]);
    expect(validatePreset({ ...p, background: { kind: 'colour', colour: '#112233' } })).toEqual([]);
  });

  it('names each other bad field', () => {
    expect(validatePreset(preset({ canvas: { kind: 'exact', width: 0, height: 10 } }))).toContain('badSize');
    expect(validatePreset(preset({ margin: 50 }))).toContain('badMargin');
    expect(validatePreset(preset({ quality: 0 }))).toContain('badQuality');
    expect(validatePreset(preset({ maxEdge: 3 }))).toContain('badMaxEdge');
    expect(validatePreset(preset({ background: { kind: 'colour', colour: 'red' } }))).toContain(
      'badBackground',
    );
    expect(validatePreset(preset({ name: ' ' }))).toContain('noName');
  });
});

describe('Marketplace preset', () => {
  const src = cutout(600, 400, { x0: 100, y0: 50, x1: 400, y1: 350 });
  const out = present(src, marketplace);

  it('gives exactly 2000×2000, opaque', () => {
    expect([out.width, out.height]).toEqual([2000, 2000]);
    for (let p = 3; p < out.data.length; p += 4) if (out.data[p] !== 255) throw new Error(`alpha at ${p}`);
  });

  it('has a background of exactly #FFFFFF', () => {
    for (const [x, y] of [
      [0, 0],
      [1999, 0],
      [0, 1999],
      [1999, 1999],
      [1000, 10],
      [5, 1000],
    ]) {
      const p = (y * 2000 + x) * 4;
      expect([...out.data.subarray(p, p + 4)]).toEqual([255, 255, 255, 255]);
    }
  });

  it('centres the subject with an 8% margin (the longer side touches it) within 1 px', () => {
    const m = 0.08 * 2000;
    const box = measuredBox(out, onWhite(out));
    // A 300×300 subject → scaled to 1680×1680, centred.
    expect(Math.abs(box.x0 - m)).toBeLessThanOrEqual(1);
    expect(Math.abs(box.y0 - m)).toBeLessThanOrEqual(1);
    expect(Math.abs(2000 - box.x1 - m)).toBeLessThanOrEqual(1);
    expect(Math.abs(2000 - box.y1 - m)).toBeLessThanOrEqual(1);
  });

  it('keeps the subject’s colour inside', () => {
    const p = (1000 * 2000 + 1000) * 4;
    expect([...out.data.subarray(p, p + 4)]).toEqual([200, 30, 40, 255]);
  });
});

describe('placement', () => {
  it('on the bottom edge: the subject rests on the bottom margin, centred across', () => {
    const src = cutout(300, 500, { x0: 40, y0: 100, x1: 240, y1: 200 }); // a wide 200×100 subject
    const p = preset({
      canvas: { kind: 'exact', width: 800, height: 1000 },
      placement: 'bottom',
      margin: 10,
    });
    const out = present(src, p);
    const m = 0.1 * 800;
    const box = measuredBox(out, onWhite(out));
    // Width-limited: 640 px wide, 320 tall, bottom at 1000 − 80.
    expect(Math.abs(box.x0 - m)).toBeLessThanOrEqual(1);
    expect(Math.abs(800 - box.x1 - m)).toBeLessThanOrEqual(1);
    expect(Math.abs(1000 - box.y1 - m)).toBeLessThanOrEqual(1);
    expect(Math.abs(box.y1 - box.y0 - 320)).toBeLessThanOrEqual(1);
  });

  it('centred on a ratio canvas: 16:9 of the longest side, margin on the limiting side', () => {
    const src = cutout(400, 300, { x0: 50, y0: 50, x1: 150, y1: 250 });
    const p = preset({ canvas: { kind: 'ratio', ratio: '16:9' }, margin: 5, format: 'png' });
    const out = present(src, p);
    expect([out.width, out.height]).toEqual([400, 225]);
    const m = 0.05 * 225;
    const box = measuredBox(out, onWhite(out));
    expect(Math.abs(box.y0 - m)).toBeLessThanOrEqual(1);
    expect(Math.abs(225 - box.y1 - m)).toBeLessThanOrEqual(1);
    expect(Math.abs(box.x0 + box.x1 - 400)).toBeLessThanOrEqual(1);
  });

  it('the longest edge limit scales the canvas down', () => {
    const out = present(
      cutout(300, 200, { x0: 10, y0: 10, x1: 100, y1: 100 }),
      preset({ canvas: { kind: 'exact', width: 2000, height: 1000 }, maxEdge: 500 }),
    );
    expect([out.width, out.height]).toEqual([500, 250]);
  });
});

describe('subject bounds', () => {
  it('ignore faint specks and tiny far-away pieces', () => {
    const box = { x0: 200, y0: 150, x1: 400, y1: 350 };
    const src = cutout(800, 600, box, [
      { x: 5, y: 5, a: 40 }, // faint
      { x: 790, y: 590, a: 255 }, // a tiny opaque piece, far away
      { x: 791, y: 590, a: 255 },
      { x: 10, y: 580, a: 255 },
    ]);
    expect(subjectBounds(src)).toEqual(box);
    const out = present(src, marketplace);
    const got = measuredBox(out, onWhite(out));
    expect(Math.abs(got.x0 - 160)).toBeLessThanOrEqual(1);
    expect(Math.abs(2000 - got.y1 - 160)).toBeLessThanOrEqual(1);
  });

  it('keep a second piece of real size (a pair of shoes)', () => {
    const src = cutout(800, 600, { x0: 100, y0: 100, x1: 300, y1: 300 });
    for (let y = 320; y < 400; y++)
      for (let x = 500; x < 600; x++) src.data.set([0, 0, 0, 255], (y * 800 + x) * 4);
    expect(subjectBounds(src)).toEqual({ x0: 100, y0: 100, x1: 600, y1: 400 });
  });

  it('are undefined for an empty cut-out, which is then framed whole', () => {
    const src = cutout(50, 40, { x0: 0, y0: 0, x1: 0, y1: 0 });
    expect(subjectBounds(src)).toBeUndefined();
    expect(layout(marketplace, src).src).toEqual({ x0: 0, y0: 0, x1: 50, y1: 40 });
  });
});

describe('shadow', () => {
  const src = cutout(300, 300, { x0: 100, y0: 60, x1: 200, y1: 240 });

  it('off (the default) changes nothing, whatever its sliders say', () => {
    const a = present(src, preset({ shadow: SHADOW_OFF }));
    const b = present(src, preset({ shadow: { enabled: false, strength: 1, softness: 1 } }));
    expect(Buffer.from(b.data).equals(Buffer.from(a.data))).toBe(true);
  });

  it('on darkens the ground under the subject and nothing far above it', () => {
    const p = preset({ placement: 'bottom', shadow: { enabled: true, strength: 0.8, softness: 0.3 } });
    const off = present(src, { ...p, shadow: SHADOW_OFF });
    const on = present(src, p);
    const L = layout(p, src);
    const base = Math.round(L.src.y1 * L.scale + L.dy);
    const px = (img: Rgba, x: number, y: number) => img.data[(y * img.width + x) * 4];
    expect(px(on, 1000, base + 3)).toBeLessThan(px(off, 1000, base + 3) - 20);
    expect(px(on, 1000, 20)).toBe(255);
    expect(px(on, 1000, 1000)).toBe(px(off, 1000, 1000)); // inside the opaque subject
  });
});

describe('compositing', () => {
  it('a half-transparent edge pixel lands halfway between subject and background', () => {
    const src = cutout(4, 1, { x0: 0, y0: 0, x1: 0, y1: 0 });
    src.data.set([0, 0, 0, 128], 0);
    src.data.set([0, 0, 0, 128], 4);
    src.data.set([0, 0, 0, 128], 8);
    src.data.set([0, 0, 0, 128], 12);
    const p = preset({ canvas: { kind: 'original' }, placement: 'none', format: 'png' });
    const out = present(src, p);
    expect([...out.data.subarray(0, 4)]).toEqual([127, 127, 127, 255]);
    const blue = present(src, { ...p, background: { kind: 'colour', colour: '#0000ff' } });
    expect([...blue.data.subarray(4, 8)]).toEqual([0, 0, 127, 255]);
  });

  it('the transparent built-in returns the cut-out unchanged', () => {
    const src = cutout(30, 20, { x0: 3, y0: 4, x1: 20, y1: 15 });
    src.data.set([9, 8, 7, 100], 0);
    const out = present(src, transparent);
    expect([out.width, out.height]).toEqual([30, 20]);
    expect(Buffer.from(out.data).equals(Buffer.from(src.data))).toBe(true);
  });

  it('the whole image, fitted (placement none) on a transparent canvas keeps straight colour at soft edges', () => {
    const src = cutout(10, 10, { x0: 0, y0: 0, x1: 10, y1: 10 });
    const out = present(src, { ...transparent, canvas: { kind: 'exact', width: 40, height: 20 } });
    // 10×10 → 20×20, centred at x 10..30: edge pixels are partly transparent but still pure red-ish.
    const p = (10 * 40 + 10) * 4;
    expect(out.data[p + 3]).toBeGreaterThan(100);
    expect([...out.data.subarray(p, p + 3)]).toEqual([200, 30, 40]);
    expect(out.data[(10 * 40 + 5) * 4 + 3]).toBe(0);
  });
});

describe('plain re-export (plainPreset): the one render path of the result view and the package', () => {
  /** Every alpha 0..255 over a gradient of colours, one row. */
  function ramp(): Rgba {
    const data = new Uint8ClampedArray(256 * 4);
    for (let a = 0; a < 256; a++) data.set([a, 255 - a, (a * 7) % 256, a], a * 4);
    return { data, width: 256, height: 1 };
  }

  it('is a valid preset for every format, the whole cut-out at its own size', () => {
    for (const f of ['png', 'webp', 'jpeg'] as const) {
      const p = plainPreset(f, { colour: '#2255ff' });
      expect(validatePreset(p)).toEqual([]);
      expect(layout(p, ramp())).toMatchObject({ width: 256, height: 1, scale: 1, dx: 0, dy: 0 });
    }
    // No background on JPEG means white (a JPEG has no transparency); on PNG, transparent.
    expect(plainPreset('jpeg').background).toEqual({ kind: 'white' });
    expect(plainPreset('png').background).toEqual({ kind: 'transparent' });
    expect(plainPreset('webp', { image: true }).background).toEqual({ kind: 'image' });
    expect(plainPreset('webp', { quality: 70 }).quality).toBe(70);
  });

  it('onto a colour gives the straight-alpha blend of the old re-export, within 1 level', () => {
    const img = ramp();
    const got = present(img, plainPreset('png', { colour: '#2255ff' })).data;
    const want = flattenOnto(new Uint8ClampedArray(img.data), [0x22, 0x55, 0xff]);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('without a background is the cut-out unchanged', () => {
    const img = ramp();
    expect(present(img, plainPreset('webp')).data).toEqual(img.data);
  });
});
