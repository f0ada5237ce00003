// The decoding rules on any platform: Blob → RGBA pixels at the photo's own size, in sRGB,
// orientation applied exactly once. Checks come first and cost no decoding: empty file, byte
// limit, real type from the bytes (SVG and non-images refused), pixel count declared by the header
// (bombs refused, big photos downsized). The pixels come from a DecoderBackend: the browser's
// (decode.ts) or Node's (cli/codec.ts), so both give a file the same outcome and the same code.
// The rule (README.md): what the platform's decoder shows whole gives a cut-out, whatever the
// sniffing or a fast path thought of it; what it cannot show gets DecodeFailed.

import { JingjieError, type ErrorName } from '../../src/shared/errors';
import { MB, formatBytes } from '../../src/shared/bytes';
import { sniff, type ImageKind, type Sniffed } from './sniff';
import { blankEdge, cutShort, restoreEnd } from './repair';
import type { ResultNote } from '../../src/shared/types';

export interface DecodedImage {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  /** True when any source pixel is not fully opaque (kept in the cut-out). */
  hasAlpha: boolean;
}

export interface DecodeLimits {
  /** Working size: above it the photo is scaled down to fit, with a notice. Default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
  /** File size limit in bytes. Default DEFAULT_MAX_BYTES. */
  maxBytes?: number;
  /** Declared sizes above this are refused before decoding (decompression bombs). */
  maxDecodePixels?: number;
  /** Named in every message. */
  fileName?: string;
}

export interface DecodeResult extends DecodedImage {
  originalWidth: number;
  originalHeight: number;
  /** `other`: a format the app does not sniff but the browser decodes (an icon, say). */
  format: ImageKind | 'other';
  /** Said to the user when the result is not simply "the whole photo" (downsized, first GIF frame). */
  notice?: string;
  /** The same as codes, for a UI that words them itself. */
  notes?: ResultNote[];
}

/** A decoded picture not yet read out: an ImageBitmap in the browser, raw pixels in Node. */
export interface Picture {
  readonly width: number;
  readonly height: number;
}

/**
 * A platform's decoder. Only the pixels differ between platforms: the limits, the repair of a
 * lost end and every error code stay here.
 */
export interface DecoderBackend<P extends Picture = Picture> {
  /**
   * The platform's own decoder (orientation applied, sRGB), undefined when it cannot decode the
   * bytes. `kind` is undefined for a file sniffing does not name. Allocation failures throw.
   */
  open(blob: Blob, kind: ImageKind | undefined): Promise<P | undefined>;
  /** An optional fast path: a picture exactly as `open` would give it, or undefined. */
  direct?(blob: Blob, s: Sniffed, maxPixels: number): Promise<P | undefined>;
  /** Pixels another decoder made (libheif's RGBA) as a picture. */
  fromPixels(rgba: Uint8ClampedArray, width: number, height: number): P;
  /** The outer lines: top row, bottom row, left column, right column (RGBA). */
  edges(p: P): Uint8ClampedArray[];
  /** The pixels, scaled to width×height when smaller; releases the picture. */
  read(p: P, width: number, height: number): Promise<Uint8ClampedArray>;
  /** Release a picture that will not be read. */
  close(p: P): void;
}

/** 20 MB: larger than any phone photo; larger files are usually scans or raw exports. */
export const DEFAULT_MAX_BYTES = 20 * MB;
/**
 * Working pixel limit when the device does not say how much memory it has (Safari, Firefox).
 * Measured through the engine in headless Chromium 156 on a 2-core, 24 GB machine (uint8 model,
 * WASM): 24 MP, 50 MP, 64 MP (browser peak 3.1 GB) and 100 MP (12247×8165, peak 3.7 GB, 36 s) all
 * finish. 50 MP covers every phone and most cameras; above it the photo is downsized with a notice.
 */
export const DEFAULT_MAX_PIXELS = 50_000_000;
/** Devices that report ≥ 8 GB (navigator.deviceMemory is capped at 8) get the measured 64 MP. */
export const LARGE_DEVICE_MAX_PIXELS = 64_000_000;
/**
 * Largest declared size we even try to decode (the browser decodes at full size before we can
 * scale: 4 bytes a pixel, 800 MB here). Between the working limit and this one the photo is decoded
 * and then downsized with a notice; above it — a decompression bomb or a gigapixel panorama — the
 * file is refused from its header, before any decoder allocates.
 */
export const DEFAULT_MAX_DECODE_PIXELS = 200_000_000;
/** Chromium refuses canvases with a side above 32767 px. */
const MAX_SIDE = 32_767;

const fmtMp = (n: number) => `${(n / 1e6).toFixed(n < 10e6 ? 1 : 0)} megapixels`;

function fail(
  name: ErrorName,
  file: string | undefined,
  message: string,
  detail: Record<string, string | number | boolean> = {},
): never {
  throw new JingjieError(
    name,
    `${file ? `“${file}”` : 'The file'} ${message}`,
    file ? { ...detail, fileName: file } : detail,
  );
}

/** What precheck found: the sniffed file, or one only the browser's decoder recognised. */
export interface Checked extends Sniffed {
  /** Not a format the app names, but one Chromium's decoder opens: decoded by it alone. */
  browserOnly?: boolean;
}

export function anyTransparent(rgba: Uint8ClampedArray): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return true;
  return false;
}

function fitWithin(w: number, h: number, maxPixels: number): [number, number] {
  if (w * h <= maxPixels && w <= MAX_SIDE && h <= MAX_SIDE) return [w, h];
  let s = Math.sqrt(maxPixels / (w * h));
  s = Math.min(s, MAX_SIDE / w, MAX_SIDE / h);
  return [Math.max(1, Math.floor(w * s)), Math.max(1, Math.floor(h * s))];
}

export function isAllocationFailure(err: unknown): boolean {
  if (err instanceof RangeError) return true;
  const m = err instanceof Error ? err.message : String(err);
  return /out of memory|allocation failed|Array buffer allocation|memory access out of bounds|Cannot enlarge memory/i.test(
    m,
  );
}

/**
 * The checks made before any decoder runs: empty, over the byte limit, not an image we open, a
 * declared size over the decode limit. Throws the file's error; returns what the bytes are. Needs
 * no model, so the page can refuse a file at once (workers/check.worker.ts).
 */
export async function precheckWith(
  backend: DecoderBackend,
  blob: Blob,
  limits: DecodeLimits = {},
): Promise<Checked> {
  const file = limits.fileName;
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxDecode = Math.max(limits.maxDecodePixels ?? DEFAULT_MAX_DECODE_PIXELS, maxPixels);

  if (blob.size === 0)
    fail('EmptyFile', file, 'is empty (0 bytes). Choose the photo again; the copy may have failed.');
  if (blob.size > maxBytes)
    fail(
      'FileTooLarge',
      file,
      `is ${formatBytes(blob.size)}; the limit is ${formatBytes(maxBytes)} per file. Save a smaller copy (lower JPEG quality or fewer pixels) and try again.`,
      {
        bytes: blob.size,
        maxBytes,
      },
    );

  const s = await sniff(blob);
  if (s.svg)
    fail(
      'UnsupportedFormat',
      file,
      'is an SVG drawing, which is not accepted (it has no fixed pixel size and may carry scripts). Export it as PNG and try again.',
      {
        format: 'svg',
      },
    );
  if (!s.kind) {
    // Sniffing does not know it; the browser's decoder may (an icon): then it is the judge.
    const pic = await backend.open(blob, undefined);
    if (pic) {
      const { width, height } = pic;
      backend.close(pic);
      const seen = { ...s, width, height };
      checkDeclaredSize(seen, file, maxDecode);
      return { ...seen, browserOnly: true };
    }
    const otherImage = /^image\//.test(s.mime ?? ''); // TIFF, PSD, icons, camera raw: images we cannot open
    fail(
      otherImage ? 'UnsupportedFormat' : 'NotAnImage',
      file,
      `is ${s.what}, not a photo this app can open. Use JPEG, PNG, WebP, AVIF, GIF, BMP or HEIC.`,
      { format: s.mime ?? 'unknown' },
    );
  }
  checkDeclaredSize(s, file, maxDecode);
  return s;
}

/** Validate, decode and (when above the pixel limit) downsize, with a notice. */
export async function decodeWith<P extends Picture>(
  backend: DecoderBackend<P>,
  blob: Blob,
  limits: DecodeLimits = {},
): Promise<DecodeResult> {
  const file = limits.fileName;
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxDecode = Math.max(limits.maxDecodePixels ?? DEFAULT_MAX_DECODE_PIXELS, maxPixels);
  const s = await precheckWith(backend, blob, limits);

  try {
    const pic =
      s.kind === 'heif'
        ? await decodeHeif(backend, blob, s, file, maxDecode)
        : ((await backend.direct?.(blob, s, maxPixels)) ??
          (await decodeOrRepair(backend, blob, s, file, maxDecode)));
    return await finish(backend, pic, s, file, maxPixels);
  } catch (err) {
    if (err instanceof JingjieError) throw err;
    if (isAllocationFailure(err)) {
      const size = s.width && s.height ? ` at ${s.width}×${s.height}` : '';
      fail(
        'OutOfMemory',
        file,
        `could not be opened${size}: this device ran out of memory. Reduce the photo to about ${fmtMp(maxPixels / 2)} and try again.`,
      );
    }
    throw err;
  }
}

function checkDeclaredSize(s: Sniffed, file: string | undefined, maxDecode: number): void {
  if (s.width === undefined || s.height === undefined) return;
  if (s.width === 0 || s.height === 0)
    fail('DecodeFailed', file, `declares an empty image (${s.width}×${s.height}); the file is corrupt.`);
  const px = s.width * s.height;
  if (px > maxDecode)
    fail(
      'TooManyPixels',
      file,
      `declares ${s.width}×${s.height} pixels (${fmtMp(px)}); the most this device can open is ${fmtMp(maxDecode)}. Reduce it in an image editor and try again.`,
      { width: s.width, height: s.height, maxPixels: maxDecode },
    );
}

/**
 * Chromium's <img> shows a JPEG without its end marker, or a PNG without IEND, whole; its
 * createImageBitmap refuses them. Restore the end and decode again; a JPEG whose scan was cut
 * then decodes with a blank grey band, which <img> shows empty: that one is refused.
 */
async function decodeRestored<P extends Picture>(
  backend: DecoderBackend<P>,
  s: Sniffed,
  bytes: Uint8Array,
): Promise<P | undefined> {
  const restored = restoreEnd(s.kind, bytes);
  if (!restored) return undefined;
  const pic = await backend.open(new Blob([restored]), s.kind);
  if (pic && s.kind === 'jpeg' && blankEdge(backend.edges(pic))) {
    backend.close(pic);
    return undefined;
  }
  return pic;
}

async function decodeOrRepair<P extends Picture>(
  backend: DecoderBackend<P>,
  blob: Blob,
  s: Sniffed,
  file: string | undefined,
  maxDecode: number,
): Promise<P> {
  let pic = await backend.open(blob, s.kind);
  if (!pic) {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    pic = await decodeRestored(backend, s, bytes);
    if (!pic) failDecode(s, file, cutShort(s.kind, bytes));
  }
  return checkDecodedSize(backend, pic, file, maxDecode);
}

/** The pixel limit on what a decoder gave, for files whose header did not say (or said wrong). */
function checkDecodedSize<P extends Picture>(
  backend: DecoderBackend<P>,
  pic: P,
  file: string | undefined,
  maxDecode: number,
): P {
  if (pic.width * pic.height > maxDecode) {
    const { width, height } = pic;
    backend.close(pic);
    fail(
      'TooManyPixels',
      file,
      `has ${width}×${height} pixels; the most this device can open is ${fmtMp(maxDecode)}. Reduce it and try again.`,
    );
  }
  return pic;
}

/** The file's DecodeFailed: `truncated` when it ends before its format says it does. */
function failDecode(s: Sniffed, file: string | undefined, truncated: boolean): never {
  const what = s.kind ? s.kind.toUpperCase() : 'image';
  const format = s.kind ?? 'unknown';
  if (truncated)
    fail(
      'DecodeFailed',
      file,
      `ends early: only part of its ${what} picture is in the file, and the browser cannot show it whole either. Copy or export it again.`,
      { format, issue: 'truncated' },
    );
  fail(
    'DecodeFailed',
    file,
    `could not be decoded as ${what}; the file may be truncated or corrupt. Try exporting it again.`,
    { format },
  );
}

async function decodeHeif<P extends Picture>(
  backend: DecoderBackend<P>,
  blob: Blob,
  s: Sniffed,
  file: string | undefined,
  maxDecode: number,
): Promise<P> {
  const { decodeHeic } = await import('./heic');
  const bytes = new Uint8Array(await blob.arrayBuffer());
  try {
    const px = await decodeHeic(bytes);
    return backend.fromPixels(px.rgba, px.width, px.height);
  } catch (err) {
    if (!(err instanceof JingjieError && err.name === 'DecodeFailed')) throw err;
    // libheif refused it; a browser that decodes the file (an AVIF with only HEIF brands) decides.
    const pic = await backend.open(blob, s.kind);
    if (pic) return checkDecodedSize(backend, pic, file, maxDecode);
    fail(
      'DecodeFailed',
      file,
      `could not be decoded as HEIC: ${err.message}`,
      cutShort(s.kind, bytes) ? { issue: 'truncated' } : {},
    );
  }
}

async function finish<P extends Picture>(
  backend: DecoderBackend<P>,
  src: P,
  s: Sniffed,
  file: string | undefined,
  maxPixels: number,
): Promise<DecodeResult> {
  const ow = src.width;
  const oh = src.height;
  const [w, h] = fitWithin(ow, oh, maxPixels);
  const rgba = await backend.read(src, w, h);
  // A JPEG has no alpha channel: no need to look.
  const img: DecodedImage = {
    rgba,
    width: w,
    height: h,
    hasAlpha: s.kind !== 'jpeg' && anyTransparent(rgba),
  };
  const notices: string[] = [];
  const label = file ? `“${file}”` : 'The photo';
  if (w !== ow || h !== oh)
    notices.push(
      `${label} is ${ow}×${oh} (${fmtMp(ow * oh)}); it was reduced to ${w}×${h} to fit this device's memory.`,
    );
  if (s.animated) notices.push(`${label} is animated; only its first frame was used.`);
  const notes: ResultNote[] = [];
  if (w !== ow || h !== oh) notes.push('downsized');
  if (s.animated) notes.push('firstFrame');
  return {
    ...img,
    originalWidth: ow,
    originalHeight: oh,
    format: s.kind ?? 'other',
    notice: notices.length ? notices.join(' ') : undefined,
    notes: notes.length ? notes : undefined,
  };
}
