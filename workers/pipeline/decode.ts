// Blob → RGBA pixels at the photo's own size, EXIF orientation applied once (by the browser decoder).

import { JingjieError } from '../../src/shared/errors';

export interface DecodedImage {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  /** True when any source pixel is not fully opaque (kept in the cut-out). */
  hasAlpha: boolean;
}

export interface DecodeLimits {
  maxPixels: number;
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
export function bitmapToRgba(bitmap: ImageBitmap, width = bitmap.width, height = bitmap.height): DecodedImage {
  try {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new JingjieError('OutOfMemory', `No canvas could be created for ${width}×${height} pixels.`);
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, width, height);
    const rgba = ctx.getImageData(0, 0, width, height).data;
    let hasAlpha = false;
    for (let i = 3; i < rgba.length; i += 4) {
      if (rgba[i] !== 255) {
        hasAlpha = true;
        break;
      }
    }
    return { rgba, width, height, hasAlpha };
  } finally {
    bitmap.close();
  }
}

/**
 * Decode with a pixel limit: above it the photo is scaled down to fit (the caller gets a notice)
 * instead of exhausting memory.
 */
export async function decode(
  blob: Blob,
  limits: DecodeLimits,
): Promise<DecodedImage & { originalWidth: number; originalHeight: number }> {
  const bitmap = await decodeToBitmap(blob);
  const ow = bitmap.width;
  const oh = bitmap.height;
  let w = ow;
  let h = oh;
  if (ow * oh > limits.maxPixels) {
    const s = Math.sqrt(limits.maxPixels / (ow * oh));
    w = Math.max(1, Math.floor(ow * s));
    h = Math.max(1, Math.floor(oh * s));
  }
  return { ...bitmapToRgba(bitmap, w, h), originalWidth: ow, originalHeight: oh };
}
