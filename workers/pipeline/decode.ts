// Blob → RGBA pixels at the photo's own size, in sRGB, EXIF/HEIF orientation applied exactly once.
// Checks come first and cost no decoding: empty file, byte limit, real type from the bytes (SVG and
// non-images refused), pixel count declared by the header (bombs refused, big photos downsized).
// JPEG/PNG/WebP/AVIF/GIF/BMP go through the browser's decoder; HEIC through libheif (heic.ts).
// The rule (README.md): what Chromium's own decoder shows whole gives a cut-out, whatever the
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

/** A smaller working limit on devices that say they have little memory (deviceMemory is capped at 8). */
export function deviceMaxPixels(): number {
  const gb = (self.navigator as unknown as { deviceMemory?: number }).deviceMemory;
  if (gb === undefined) return DEFAULT_MAX_PIXELS;
  if (gb <= 2) return 12_000_000;
  if (gb <= 4) return 24_000_000;
  if (gb >= 8) return LARGE_DEVICE_MAX_PIXELS;
  return DEFAULT_MAX_PIXELS;
}

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

export async function decodeToBitmap(blob: Blob): Promise<ImageBitmap> {
  if (blob.size === 0) throw new JingjieError('EmptyFile', 'The file is empty (0 bytes).');
  try {
    return await createImageBitmap(blob, {
      imageOrientation: 'from-image',
      premultiplyAlpha: 'none',
      colorSpaceConversion: 'default',
    });
  } catch (err) {
    throw new JingjieError(
      'DecodeFailed',
      `The image could not be decoded; the file may be truncated or corrupt (${(err as Error).message || 'decoder error'}).`,
    );
  }
}

/** Draw a bitmap (optionally scaled) and read its pixels back. Closes the bitmap. */
export function bitmapToRgba(
  bitmap: ImageBitmap | ImageData,
  width = bitmap.width,
  height = bitmap.height,
): DecodedImage {
  try {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx)
      throw new JingjieError('OutOfMemory', `No canvas could be created for ${width}×${height} pixels.`);
    ctx.imageSmoothingQuality = 'high';
    if (bitmap instanceof ImageData) ctx.putImageData(bitmap, 0, 0);
    else ctx.drawImage(bitmap, 0, 0, width, height);
    const rgba = ctx.getImageData(0, 0, width, height).data;
    return { rgba, width, height, hasAlpha: anyTransparent(rgba) };
  } finally {
    if (!(bitmap instanceof ImageData)) bitmap.close();
  }
}

function anyTransparent(rgba: Uint8ClampedArray): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return true;
  return false;
}

function fitWithin(w: number, h: number, maxPixels: number): [number, number] {
  if (w * h <= maxPixels && w <= MAX_SIDE && h <= MAX_SIDE) return [w, h];
  let s = Math.sqrt(maxPixels / (w * h));
  s = Math.min(s, MAX_SIDE / w, MAX_SIDE / h);
  return [Math.max(1, Math.floor(w * s)), Math.max(1, Math.floor(h * s))];
}

function isAllocationFailure(err: unknown): boolean {
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
export async function precheck(blob: Blob, limits: DecodeLimits = {}): Promise<Checked> {
  const file = limits.fileName;
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxPixels = limits.maxPixels ?? deviceMaxPixels();
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
    const bitmap = await browserBitmap(blob);
    if (bitmap) {
      const { width, height } = bitmap;
      bitmap.close();
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
export async function decode(blob: Blob, limits: DecodeLimits = {}): Promise<DecodeResult> {
  const file = limits.fileName;
  const maxPixels = limits.maxPixels ?? deviceMaxPixels();
  const maxDecode = Math.max(limits.maxDecodePixels ?? DEFAULT_MAX_DECODE_PIXELS, maxPixels);
  const s = await precheck(blob, limits);

  try {
    const img =
      s.kind === 'heif'
        ? await decodeHeif(blob, s, file, maxDecode)
        : ((await decodeDirect(blob, s, maxPixels)) ?? (await decodeWithBrowser(blob, s, file, maxDecode)));
    return finish(img, s, file, maxPixels);
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

const DIRECT_TYPES: Partial<Record<ImageKind, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

/**
 * The fast path: WebCodecs' ImageDecoder, its frame copied straight out as sRGB RGBA, skipping
 * the bitmap → canvas → getImageData round trip (12 MP JPEG in headless Chromium 156: ≈150 ms
 * instead of ≈250 ms, identical pixels). Taken only when that copy is exactly what the canvas
 * path would give — an opaque frame, no EXIF rotation or flip to apply, a colour space the copy
 * can convert, no downsizing — otherwise undefined, and decodeWithBrowser does the work. Any
 * failure here also falls back, so the slow path owns every error message.
 */
async function decodeDirect(blob: Blob, s: Sniffed, maxPixels: number): Promise<ImageData | undefined> {
  const type = s.kind && DIRECT_TYPES[s.kind];
  if (!type || typeof ImageDecoder === 'undefined') return undefined;
  if (s.width === undefined || s.height === undefined || s.width * s.height > maxPixels) return undefined;
  let decoder: ImageDecoder | undefined;
  let frame: VideoFrame | undefined;
  try {
    if (!(await ImageDecoder.isTypeSupported(type))) return undefined;
    decoder = new ImageDecoder({
      data: blob.stream(),
      type,
      colorSpaceConversion: 'default',
      preferAnimation: false,
    });
    frame = (await decoder.decode({ frameIndex: 0 })).image;
    const { format, codedWidth: w, codedHeight: h } = frame;
    const oriented = frame as VideoFrame & { rotation?: number; flip?: boolean };
    if (!format || format.includes('A')) return undefined; // RGBA, BGRA, I420A…: alpha goes the exact way
    if ((oriented.rotation ?? 0) !== 0 || oriented.flip) return undefined;
    if (!frame.colorSpace.primaries || !frame.colorSpace.transfer) return undefined;
    if (w !== frame.displayWidth || h !== frame.displayHeight || w !== s.width || h !== s.height)
      return undefined;
    const rgba = new Uint8ClampedArray(w * h * 4);
    await frame.copyTo(rgba, { format: 'RGBA', colorSpace: 'srgb' });
    return new ImageData(rgba, w, h);
  } catch {
    return undefined;
  } finally {
    frame?.close();
    decoder?.close();
  }
}

/** The browser's decoder on a blob (EXIF orientation applied, sRGB); undefined when it cannot. */
async function browserBitmap(blob: Blob): Promise<ImageBitmap | undefined> {
  if (typeof createImageBitmap !== 'function') return undefined;
  try {
    return await createImageBitmap(blob, {
      // EXIF orientation applied once, by the decoder; ICC-tagged images converted to sRGB.
      imageOrientation: 'from-image',
      premultiplyAlpha: 'none',
      colorSpaceConversion: 'default',
    });
  } catch (err) {
    if (isAllocationFailure(err)) throw err;
    return undefined;
  }
}

/** A decoded picture's outer lines: top and bottom rows, left and right columns (RGBA). */
function edgeLines(bitmap: ImageBitmap): Uint8ClampedArray[] {
  const { width: w, height: h } = bitmap;
  const rows = new OffscreenCanvas(w, 2).getContext('2d');
  const cols = new OffscreenCanvas(2, h).getContext('2d');
  if (!rows || !cols) return [];
  rows.drawImage(bitmap, 0, 0, w, 1, 0, 0, w, 1);
  rows.drawImage(bitmap, 0, h - 1, w, 1, 0, 1, w, 1);
  cols.drawImage(bitmap, 0, 0, 1, h, 0, 0, 1, h);
  cols.drawImage(bitmap, w - 1, 0, 1, h, 1, 0, 1, h);
  return [
    rows.getImageData(0, 0, w, 1).data,
    rows.getImageData(0, 1, w, 1).data,
    cols.getImageData(0, 0, 1, h).data,
    cols.getImageData(1, 0, 1, h).data,
  ];
}

/**
 * Chromium's <img> shows a JPEG without its end marker, or a PNG without IEND, whole; its
 * createImageBitmap refuses them. Restore the end and decode again; a JPEG whose scan was cut
 * then decodes with a blank grey band, which <img> shows empty: that one is refused.
 */
async function decodeRestored(s: Sniffed, bytes: Uint8Array): Promise<ImageBitmap | undefined> {
  const restored = restoreEnd(s.kind, bytes);
  if (!restored) return undefined;
  const bitmap = await browserBitmap(new Blob([restored]));
  if (bitmap && s.kind === 'jpeg' && blankEdge(edgeLines(bitmap))) {
    bitmap.close();
    return undefined;
  }
  return bitmap;
}

async function decodeWithBrowser(
  blob: Blob,
  s: Sniffed,
  file: string | undefined,
  maxDecode: number,
): Promise<ImageBitmap> {
  let bitmap = await browserBitmap(blob);
  if (!bitmap) {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    bitmap = await decodeRestored(s, bytes);
    if (!bitmap) failDecode(s, file, cutShort(s.kind, bytes));
  }
  return checkDecodedSize(bitmap, file, maxDecode);
}

/** The pixel limit on what a decoder gave, for files whose header did not say (or said wrong). */
function checkDecodedSize(bitmap: ImageBitmap, file: string | undefined, maxDecode: number): ImageBitmap {
  if (bitmap.width * bitmap.height > maxDecode) {
    const { width, height } = bitmap;
    bitmap.close();
    fail(
      'TooManyPixels',
      file,
      `has ${width}×${height} pixels; the most this device can open is ${fmtMp(maxDecode)}. Reduce it and try again.`,
    );
  }
  return bitmap;
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

async function decodeHeif(
  blob: Blob,
  s: Sniffed,
  file: string | undefined,
  maxDecode: number,
): Promise<ImageData | ImageBitmap> {
  const { decodeHeic } = await import('./heic');
  const bytes = new Uint8Array(await blob.arrayBuffer());
  try {
    const px = await decodeHeic(bytes);
    const data = px.rgba as Uint8ClampedArray<ArrayBuffer>;
    return new ImageData(data, px.width, px.height);
  } catch (err) {
    if (!(err instanceof JingjieError && err.name === 'DecodeFailed')) throw err;
    // libheif refused it; a browser that decodes the file (an AVIF with only HEIF brands) decides.
    const bitmap = await browserBitmap(blob);
    if (bitmap) return checkDecodedSize(bitmap, file, maxDecode);
    fail(
      'DecodeFailed',
      file,
      `could not be decoded as HEIC: ${err.message}`,
      cutShort(s.kind, bytes) ? { issue: 'truncated' } : {},
    );
  }
}

function finish(
  src: ImageBitmap | ImageData,
  s: Sniffed,
  file: string | undefined,
  maxPixels: number,
): DecodeResult {
  const ow = src.width;
  const oh = src.height;
  const [w, h] = fitWithin(ow, oh, maxPixels);
  let img: DecodedImage;
  if (src instanceof ImageData && w === ow && h === oh) {
    // A JPEG has no alpha channel: no need to look.
    img = { rgba: src.data, width: w, height: h, hasAlpha: s.kind !== 'jpeg' && anyTransparent(src.data) };
  } else if (src instanceof ImageData) {
    // Scale HEIC pixels through a canvas of the full size, then the smaller one.
    const full = new OffscreenCanvas(ow, oh);
    const fctx = full.getContext('2d');
    if (!fctx)
      fail(
        'OutOfMemory',
        file,
        `could not be opened at ${ow}×${oh}: no canvas of that size could be created.`,
      );
    fctx.putImageData(src, 0, 0);
    img = bitmapToRgba(full.transferToImageBitmap(), w, h);
  } else {
    img = bitmapToRgba(src, w, h);
  }
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
