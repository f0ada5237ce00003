// Output of finished cut-outs, without the model: output presets (also every plain re-export onto
// a colour or an image or in another format: `plainPreset`, one render path), and the refine
// brush's edits applied at full resolution.

import { asJingjieError } from '../src/shared/errors';
import type { Preset } from '../src/shared/presets';
import type { BrushStroke } from '../src/shared/brush';
import { presentBlob, type PresentExtras } from './pipeline/present-io';
import { applyEdits } from './pipeline/edit-io';

export const output = {
  /** Apply an output preset (issue 14, or a plain re-export) to a finished cut-out, without the model. */
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
