// Output presets from blobs to a file: decode the stored cut-out (and the background image or the
// original photo when the preset needs one), apply the preset (present.ts), encode.

import type { Preset } from '../../src/shared/presets';
import { bitmapToRgba, decode, decodeToBitmap } from './decode';
import { encodeImage } from './encode';
import { assertValidPreset, present, type PresentLayers, type Rgba } from './present';

export interface PresentExtras {
  /** The user's background image, for `background.kind === 'image'`. */
  backgroundImage?: Blob;
  /** The original photo, for `background.kind === 'blur'`. */
  original?: Blob;
}

async function pixels(blob: Blob): Promise<Rgba> {
  const d = await decode(blob);
  return { data: d.rgba, width: d.width, height: d.height };
}

export async function presentBlob(cutout: Blob, preset: Preset, extras: PresentExtras = {}): Promise<Blob> {
  // Refuse an invalid preset before decoding anything.
  assertValidPreset(preset);
  const img = bitmapToRgba(await decodeToBitmap(cutout));
  const layers: PresentLayers = {};
  if (preset.background.kind === 'image' && extras.backgroundImage)
    layers.image = await pixels(extras.backgroundImage);
  if (preset.background.kind === 'blur' && extras.original) layers.original = await pixels(extras.original);
  const out = present({ data: img.rgba, width: img.width, height: img.height }, preset, layers);
  return encodeImage(out.data, out.width, out.height, preset.format, 'rgba', preset.quality / 100);
}
