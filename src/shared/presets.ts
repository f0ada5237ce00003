// Output presets (issue 14): the plain, structured-clone-safe description of a finished file
// (background, canvas, placement, shadow, format, size limit), the built-ins, and validation.
// Shared by the page (picker, editor, storage) and the worker (workers/pipeline/present.ts).

import { FORMATS, formatSpec, isFormatId, type FormatId } from './formats';

export type PresetBackground =
  | { kind: 'transparent' }
  | { kind: 'white' }
  | { kind: 'colour'; colour: string }
  /** An image the user picks at export time, scaled to cover the canvas. */
  | { kind: 'image' }
  /** The original photo, scaled to cover the canvas and blurred (radius in % of the canvas's short side). */
  | { kind: 'blur'; radius: number };

export type CanvasRatio = '1:1' | '4:5' | '3:4' | '16:9';

export type PresetCanvas =
  | { kind: 'original' }
  /** The ratio's longest side equals the cut-out's longest side (then `maxEdge` applies). */
  | { kind: 'ratio'; ratio: CanvasRatio }
  | { kind: 'exact'; width: number; height: number };

/**
 * `none`: the whole cut-out, scaled to fit the canvas and centred. `center` / `bottom`: cropped to
 * the subject's bounds, scaled to fit inside the margin, centred, or resting on the bottom margin
 * (products) and centred horizontally.
 */
export type Placement = 'none' | 'center' | 'bottom';

export type PresetFormat = FormatId;

export interface PresetShadow {
  enabled: boolean;
  /** Darkness of the shadow's core, 0..1. */
  strength: number;
  /** Blur, 0..1 (fraction of the subject's width used as the blur's reach, times 0.25). */
  softness: number;
}

export interface Preset {
  id: string;
  name: string;
  /** Shipped with the app: cannot be deleted or overwritten. */
  builtIn?: boolean;
  background: PresetBackground;
  canvas: PresetCanvas;
  placement: Placement;
  /** Space around the subject, % of the canvas's shorter side (0..45); ignored with placement `none`. */
  margin: number;
  shadow: PresetShadow;
  format: PresetFormat;
  /** Encoder quality for JPEG/WebP, 1..100. */
  quality: number;
  /** Optional limit of the output's longest edge, in pixels. */
  maxEdge?: number;
}

/** Why a preset cannot be applied; words in src/i18n (`preset.invalid.<code>`). */
export type PresetIssue =
  /** Not a format of the registry (src/shared/formats.ts), e.g. a stored preset from elsewhere. */
  | 'badFormat'
  | 'jpegNeedsOpaque'
  | 'badBackground'
  | 'badSize'
  | 'badMargin'
  | 'badQuality'
  | 'badMaxEdge'
  | 'badShadow'
  | 'noName'
  /** Background `image` without an image chosen. */
  | 'noImage'
  /** Background `blur` without the original photo. */
  | 'noOriginal';

export const SHADOW_OFF: PresetShadow = { enabled: false, strength: 0.5, softness: 0.5 };

/** Largest canvas side a preset may ask for (keeps one render's memory bounded: 8000² RGBA = 256 MB). */
export const MAX_CANVAS_SIDE = 8000;

export const BUILT_IN_PRESETS: readonly Preset[] = [
  {
    id: 'builtin:marketplace',
    name: 'Marketplace: white 2000×2000, 8% margin, JPEG 90',
    builtIn: true,
    background: { kind: 'white' },
    canvas: { kind: 'exact', width: 2000, height: 2000 },
    placement: 'center',
    margin: 8,
    shadow: SHADOW_OFF,
    format: 'jpeg',
    quality: 90,
  },
  {
    id: 'builtin:transparent',
    name: 'Transparent PNG, original size',
    builtIn: true,
    background: { kind: 'transparent' },
    canvas: { kind: 'original' },
    placement: 'none',
    margin: 0,
    shadow: SHADOW_OFF,
    format: 'png',
    quality: 92,
  },
];

export const RATIOS: Record<CanvasRatio, [number, number]> = {
  '1:1': [1, 1],
  '4:5': [4, 5],
  '3:4': [3, 4],
  '16:9': [16, 9],
};

export function isOpaqueBackground(b: PresetBackground): boolean {
  return b.kind !== 'transparent';
}

const HEX = /^#[0-9a-f]{6}$/i;
const intIn = (x: unknown, lo: number, hi: number) =>
  typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
const numIn = (x: unknown, lo: number, hi: number) =>
  typeof x === 'number' && Number.isFinite(x) && x >= lo && x <= hi;

/** Every reason the preset cannot be applied; empty when it is valid. */
export function validatePreset(p: Preset): PresetIssue[] {
  const issues: PresetIssue[] = [];
  if (!p.name?.trim()) issues.push('noName');
  if (!isFormatId(p.format)) issues.push('badFormat');
  // A format without alpha (JPEG) needs a background to flatten onto.
  else if (!FORMATS[p.format].alpha && !isOpaqueBackground(p.background)) issues.push('jpegNeedsOpaque');
  if (p.background.kind === 'colour' && !HEX.test(p.background.colour)) issues.push('badBackground');
  if (p.background.kind === 'blur' && !numIn(p.background.radius, 0, 25)) issues.push('badBackground');
  if (
    p.canvas.kind === 'exact' &&
    !(intIn(p.canvas.width, 1, MAX_CANVAS_SIDE) && intIn(p.canvas.height, 1, MAX_CANVAS_SIDE))
  )
    issues.push('badSize');
  if (p.canvas.kind === 'ratio' && !(p.canvas.ratio in RATIOS)) issues.push('badSize');
  if (!numIn(p.margin, 0, 45)) issues.push('badMargin');
  const q = isFormatId(p.format) ? formatSpec(p.format).quality : undefined;
  if (!intIn(p.quality, q?.min ?? 1, q?.max ?? 100)) issues.push('badQuality');
  if (p.maxEdge !== undefined && !intIn(p.maxEdge, 16, MAX_CANVAS_SIDE)) issues.push('badMaxEdge');
  if (!numIn(p.shadow.strength, 0, 1) || !numIn(p.shadow.softness, 0, 1)) issues.push('badShadow');
  return issues;
}

/**
 * The preset of a plain re-export: the whole cut-out at its own size, onto nothing, a `colour`
 * (`#rrggbb`) or an `image` given at export time, in `format` at `quality` (default: the format's).
 * No background on a format without alpha (JPEG) means white. The result view's downloads and the
 * package's output options go through it, so presets and plain downloads share one render path
 * (workers/pipeline/present.ts).
 */
export function plainPreset(
  format: FormatId,
  o: { colour?: string; image?: boolean; quality?: number } = {},
): Preset {
  return {
    id: 'plain',
    name: 'plain',
    background: o.image
      ? { kind: 'image' }
      : o.colour
        ? { kind: 'colour', colour: o.colour }
        : FORMATS[format].alpha
          ? { kind: 'transparent' }
          : { kind: 'white' },
    canvas: { kind: 'original' },
    placement: 'none',
    margin: 0,
    shadow: SHADOW_OFF,
    format,
    quality: o.quality ?? formatSpec(format).quality?.default ?? 100,
  };
}

/** File extension of a preset's output (name rules: `photo-nobg.<ext>`). */
export function presetExtension(p: Pick<Preset, 'format'>): string {
  return FORMATS[p.format].ext;
}

export function presetMime(p: Pick<Preset, 'format'>): string {
  return FORMATS[p.format].mime;
}
