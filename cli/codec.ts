// Node's decoder and encoder for the shared pipeline: sharp (libvips) gives the pixels behind
// decode-core.ts's rules (limits, repair of a lost end, error codes are the app's), and writes
// PNG, WebP and JPEG. HEIC goes through libheif-js in decode-core.ts, as in the app; BMP, which
// libvips has no loader for, through decode-bmp.

import decodeBmp from 'decode-bmp';
import sharp from 'sharp';
import {
  decodeWith,
  isAllocationFailure,
  type DecodeLimits,
  type DecodeResult,
  type DecoderBackend,
} from '../workers/pipeline/decode-core';
import type { ImageKind } from '../workers/pipeline/sniff';
import { encoderWith } from '../workers/pipeline/encode-core';

/** A picture sharp decoded: oriented, sRGB, 8-bit RGBA. */
interface Raw {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** The kinds sharp's bundled libvips opens (BMP is not among them: decode-bmp opens it). */
const SHARP_KINDS = new Set<ImageKind>(['jpeg', 'png', 'webp', 'gif', 'avif', 'heif']);

/** A BMP as Chromium shows it: 1/4/8-bit palette, 24- and 32-bit, bottom-up or top-down. */
function openBmp(bytes: Uint8Array): Raw | undefined {
  try {
    const img = decodeBmp(bytes);
    const rgba = new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength);
    // A 24-bit BMP has no alpha; decode-bmp fills it opaque. A 32-bit one whose fourth bytes are
    // all zero carries no alpha either (BI_RGB): Chromium shows it opaque, and so do we.
    if (img.colorDepth === 32 && rgba.every((v, i) => (i & 3) !== 3 || v === 0))
      for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
    return { width: img.width, height: img.height, rgba };
  } catch {
    return undefined; // compressed (RLE) or cut short: DecodeFailed, as decode-core decides
  }
}

async function open(blob: Blob, kind: ImageKind | undefined): Promise<Raw | undefined> {
  if (kind === 'bmp') return openBmp(new Uint8Array(await blob.arrayBuffer()));
  // A file sniffing does not name is judged by the browser in the app (an icon); sharp would open
  // TIFF, SVG and more that the app refuses, so here such a file stays refused with the app's code.
  if (!kind || !SHARP_KINDS.has(kind)) return undefined;
  try {
    const { data, info } = await sharp(Buffer.from(await blob.arrayBuffer()), {
      // As strict as createImageBitmap: a file that ends early is refused, then repaired (decode-core).
      failOn: 'warning',
      limitInputPixels: false, // decode-core's limits hold before this runs
      animated: false,
    })
      .rotate() // EXIF orientation, once
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return {
      width: info.width,
      height: info.height,
      rgba: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (err) {
    if (isAllocationFailure(err)) throw err;
    return undefined;
  }
}

function edges(p: Raw): Uint8ClampedArray[] {
  const { width: w, height: h, rgba } = p;
  const col = (x: number) => {
    const out = new Uint8ClampedArray(h * 4);
    for (let y = 0; y < h; y++) out.set(rgba.subarray((y * w + x) * 4, (y * w + x) * 4 + 4), y * 4);
    return out;
  };
  return [rgba.slice(0, w * 4), rgba.slice((h - 1) * w * 4, h * w * 4), col(0), col(w - 1)];
}

async function read(p: Raw, width: number, height: number): Promise<Uint8ClampedArray> {
  if (p.width === width && p.height === height) return p.rgba;
  const data = await sharp(p.rgba, {
    raw: { width: p.width, height: p.height, channels: 4 },
    limitInputPixels: false,
  })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength);
}

export const nodeDecoder: DecoderBackend<Raw> = {
  open,
  fromPixels: (rgba, width, height) => ({ width, height, rgba }),
  edges,
  read,
  close: () => undefined,
};

/** decode-core.ts's rules on sharp's pixels. */
export function decodeNode(blob: Blob, limits: DecodeLimits): Promise<DecodeResult> {
  return decodeWith(nodeDecoder, blob, limits);
}

/**
 * Pixels → file bytes: the grey mask through the app's exact PNG encoder (encode.ts), colour
 * through sharp, which keeps straight alpha (the browser's canvas quantises faint pixels' colour).
 */
export const encodeNode = encoderWith(async (pixels, width, height, format, quality) => {
  const img = sharp(pixels, { raw: { width, height, channels: 4 }, limitInputPixels: false });
  const q = Math.round(quality * 100);
  const out =
    format === 'png'
      ? img.png()
      : format === 'webp'
        ? img.webp({ quality: q })
        : img.flatten({ background: '#ffffff' }).jpeg({ quality: q });
  return new Blob([await out.toBuffer()]);
});
