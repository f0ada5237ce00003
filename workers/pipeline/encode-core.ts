// The encode stage without a platform: the grey mask always through the exact PNG encoder (png.ts),
// colour through the platform's encoder (the browser's canvas in encode.ts, sharp in cli/codec.ts).

import { encodePng, type PngColour } from './png';
import { formatSpec, type FormatId } from '../../src/shared/formats';

/** Colour pixels → a file of `format`, the platform's way (quality 0..1 for a lossy format). */
export type ColourEncoder = (
  pixels: Uint8ClampedArray,
  width: number,
  height: number,
  format: FormatId,
  quality: number,
) => Promise<Blob>;

/** The encoder of a platform: its colour encoder, and the exact PNG encoder for the grey mask. */
export function encoderWith(colour: ColourEncoder) {
  return (
    pixels: Uint8ClampedArray,
    width: number,
    height: number,
    format: FormatId,
    kind: PngColour,
    /** Quality of a lossy format (src/shared/formats.ts), 0..1. */
    quality = (formatSpec(format).quality?.default ?? 100) / 100,
  ): Promise<Blob> =>
    kind === 'gray'
      ? encodePng(pixels, width, height, 'gray')
      : colour(pixels, width, height, format, quality);
}
