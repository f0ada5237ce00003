// PNG decoding and mask comparison for e2e tests (Node side, pngjs).
import { PNG } from 'pngjs';

export interface Rgba {
  width: number;
  height: number;
  /** 8-bit RGBA, straight alpha, row-major. */
  data: Uint8Array;
}

export function decodePng(bytes: Buffer | Uint8Array): Rgba {
  const png = PNG.sync.read(Buffer.from(bytes));
  return {
    width: png.width,
    height: png.height,
    data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length),
  };
}

/** The alpha channel of an RGBA image; for a grayscale mask PNG (decoded to RGBA) pass `fromChannel: 0`. */
export function alphaOf(img: Rgba, fromChannel: 0 | 3 = 3): Uint8Array {
  const out = new Uint8Array(img.width * img.height);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i * 4 + fromChannel];
  return out;
}

export interface MaskDiff {
  /** Mean absolute difference, 0..255. */
  meanAbsDiff: number;
  /** Largest absolute difference, 0..255. */
  maxAbsDiff: number;
  /** Intersection over union of the masks thresholded at `threshold`. */
  iou: number;
}

export function compareMasks(a: Uint8Array, b: Uint8Array, threshold = 128): MaskDiff {
  if (a.length !== b.length) throw new Error(`mask sizes differ: ${a.length} vs ${b.length}`);
  let sum = 0,
    max = 0,
    inter = 0,
    union = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > max) max = d;
    const x = a[i] >= threshold,
      y = b[i] >= threshold;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return { meanAbsDiff: sum / a.length, maxAbsDiff: max, iou: union ? inter / union : 1 };
}

/** RGBA of one pixel. */
export function pixel(img: Rgba, x: number, y: number): [number, number, number, number] {
  const i = (y * img.width + x) * 4;
  return [img.data[i], img.data[i + 1], img.data[i + 2], img.data[i + 3]];
}

/** The mask an image carries: its alpha when it has any transparency, else its grey level (a mask PNG). */
export function maskOf(img: Rgba): Uint8Array {
  for (let i = 3; i < img.data.length; i += 4) if (img.data[i] !== 255) return alphaOf(img, 3);
  return alphaOf(img, 0);
}
