// Pixels → file bytes. Colour cut-outs go through the browser's native encoder (PNG of a 12 MP
// cut-out in ~0.2 s vs ~1–2 s through CompressionStream). Its premultiplied canvas quantises the
// colour of pixels with alpha below ~16 — an error under half a level once composited, so
// invisible — and the exact encoder in png.ts stays for the grayscale mask, which canvas
// cannot write as one channel.

import { formatSpec } from '../../src/shared/formats';
import { encoderWith } from './encode-core';

/** The browser's: OffscreenCanvas (workers). */
export const encodeImage = encoderWith(async (pixels, width, height, format, quality) => {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  ctx.putImageData(new ImageData(pixels as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  const { mime, quality: lossy } = formatSpec(format);
  return canvas.convertToBlob(lossy ? { type: mime, quality } : { type: mime });
});
