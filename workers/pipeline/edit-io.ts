// The refine brush's pixels in the workers (issue 14): the layers the brush worker paints on
// (brush.worker.ts), their encoding as the task's result, and the full-resolution commit that
// turns the unedited cut-out plus the strokes into the edited cut-out and mask (applyEdits, the
// engine's API). The strokes themselves are rasterised by src/shared/brush.ts (one implementation
// for the preview and the commit).

import {
  applyStrokes,
  isStroke,
  restoreTarget,
  type BrushStroke,
  type EditLayer,
} from '../../src/shared/brush';
import { JingjieError } from '../../src/shared/errors';
import { alphaOf } from './compose';
import { bitmapToRgba, decode, decodeToBitmap } from './decode';
import { encodeImage } from './encode';

/**
 * The unedited cut-out as RGBA and the restore target of every pixel (brush.ts `restoreTarget`).
 * The original photo is decoded the way a job decodes it (EXIF orientation, HEIC) and scaled to
 * the cut-out's size when the job downsized it.
 */
export async function editLayers(cutout: Blob, original: Blob): Promise<EditLayer> {
  const cut = bitmapToRgba(await decodeToBitmap(cutout));
  const { width, height } = cut;
  let photo = await decode(original);
  if (photo.width !== width || photo.height !== height) {
    // ImageData cannot be drawn scaled: go through a bitmap of it.
    const bmp = await createImageBitmap(
      new ImageData(photo.rgba as Uint8ClampedArray<ArrayBuffer>, photo.width, photo.height),
      {
        resizeWidth: width,
        resizeHeight: height,
        resizeQuality: 'high',
        premultiplyAlpha: 'none',
      },
    );
    photo = { ...photo, ...bitmapToRgba(bmp) };
  }
  return { width, height, pixels: cut.rgba, target: restoreTarget(cut.rgba, photo.rgba) };
}

/** The strokes applied at full resolution to the unedited cut-out: the edited PNG and its 8-bit mask. */
export async function applyEdits(
  cutout: Blob,
  original: Blob,
  strokes: BrushStroke[],
): Promise<{ png: Blob; mask: Blob }> {
  if (!strokes.every(isStroke)) throw new JingjieError('RuntimeFailed', 'A brush stroke is malformed.');
  const layer = await editLayers(cutout, original);
  applyStrokes(layer, strokes);
  return encodeEdited(layer);
}

/** An edited layer as the task's result: the cut-out PNG and its 8-bit mask PNG. */
export async function encodeEdited(layer: EditLayer): Promise<{ png: Blob; mask: Blob }> {
  const { pixels, width, height } = layer;
  const [png, mask] = await Promise.all([
    encodeImage(pixels, width, height, 'png', 'rgba'),
    encodeImage(alphaOf(pixels), width, height, 'png', 'gray'),
  ]);
  return { png, mask };
}
