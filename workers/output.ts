// Output of finished cut-outs, without the model: re-exports onto a colour or an image or in
// another format, output presets, and the refine brush's edits applied at full resolution.

import { JingjieError, asJingjieError } from '../src/shared/errors';
import type { RenderOptions } from '../src/shared/types';
import type { Preset } from '../src/shared/presets';
import type { BrushStroke } from '../src/shared/brush';
import { bitmapToRgba, decodeToBitmap } from './pipeline/decode';
import { alphaOf, compose, flattenOnto, parseHexColour } from './pipeline/compose';
import { encodeImage } from './pipeline/encode';
import { presentBlob, type PresentExtras } from './pipeline/present-io';
import { applyEdits } from './pipeline/edit-io';

export const output = {
  /**
   * Re-export a finished cut-out without running the model again: flatten onto a colour or onto
   * an image of the user's (scaled to cover), and/or change the format.
   */
  async render(cutout: Blob, opts: RenderOptions = {}): Promise<Blob> {
    try {
      const img = bitmapToRgba(await decodeToBitmap(cutout));
      const { width: w, height: h } = img;
      if (opts.backgroundImage) {
        const bg = await decodeToBitmap(opts.backgroundImage);
        const s = Math.max(w / bg.width, h / bg.height);
        const canvas = new OffscreenCanvas(w, h);
        const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
        ctx.imageSmoothingQuality = 'high';
        ctx.drawImage(bg, (w - bg.width * s) / 2, (h - bg.height * s) / 2, bg.width * s, bg.height * s);
        bg.close();
        flattenOnto(img.rgba, ctx.getImageData(0, 0, w, h).data);
      } else if (opts.background) {
        const c = parseHexColour(opts.background);
        if (!c) throw new JingjieError('RuntimeFailed', `Not a colour: ${opts.background}`);
        compose(img.rgba, alphaOf(img.rgba), { background: c });
      }
      return await encodeImage(img.rgba, w, h, opts.format ?? 'png', 'rgba');
    } catch (err) {
      throw asJingjieError(err);
    }
  },

  /** Apply an output preset (issue 14) to a finished cut-out, without running the model again. */
  async present(cutout: Blob, preset: Preset, extras: PresentExtras = {}): Promise<Blob> {
    try {
      return await presentBlob(cutout, preset, extras);
    } catch (err) {
      throw asJingjieError(err);
    }
  },

  /** The brush strokes applied at full resolution to the unedited cut-out: the edited PNG and mask. */
  async applyEdits(cutout: Blob, original: Blob, strokes: BrushStroke[]): Promise<{ png: Blob; mask: Blob }> {
    try {
      return await applyEdits(cutout, original, strokes);
    } catch (err) {
      throw asJingjieError(err);
    }
  },
};
