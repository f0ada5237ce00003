// Pixels → file bytes. PNG through our straight-alpha encoder; WebP through the canvas encoder.

import { encodePng, type PngColour } from './png';
import type { OutputFormat } from '../../src/shared/types';

export async function encodeImage(
  pixels: Uint8ClampedArray,
  width: number,
  height: number,
  format: OutputFormat,
  colour: PngColour,
): Promise<Blob> {
  if (format === 'png' || colour === 'gray') return encodePng(pixels, width, height, colour);
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  ctx.putImageData(new ImageData(pixels as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  return canvas.convertToBlob({ type: 'image/webp', quality: 0.92 });
}
