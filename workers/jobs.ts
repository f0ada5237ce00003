// A job of the inference worker: one image from file bytes to the encoded cut-out and its mask,
// through the stages of cutout.ts on the browser's decoder, onnxruntime-web and the canvas
// encoder, checking the page's AbortSignal between stages.

import * as Comlink from 'comlink';
import { asJingjieError, throwIfAborted } from '../src/shared/errors';
import type { RemoveOptions, RemoveProgress, RemoveResult } from '../src/shared/types';
import { decode } from './pipeline/decode';
import { encodeImage } from './pipeline/encode';
import { cutOut } from './cutout';
import { infer, loaded } from './model-host';

/** What a job returns: exactly the engine's RemoveResult (the mask's buffer is transferred). */
export type WorkerResult = RemoveResult;

/**
 * Between stages: let queued messages in (the page's abort arrives as one, and a stage runs
 * without yielding), then stop if the job was cancelled.
 */
async function checkpoint(signal?: AbortSignal): Promise<void> {
  if (!signal) return;
  await new Promise((resolve) => setTimeout(resolve, 0));
  throwIfAborted(signal);
}

export const jobs = {
  /**
   * Cut out one image. `signal` is the page's own AbortSignal (src/shared/abort-transfer.ts):
   * checked between stages, a cancelled job rejects with AbortError.
   */
  async remove(
    blob: Blob,
    opts: RemoveOptions = {},
    signal?: AbortSignal,
    onProgress?: (code: RemoveProgress) => void,
  ): Promise<WorkerResult> {
    loaded(); // fails at once when no model is loaded
    try {
      const cut = await cutOut(
        {
          decode,
          infer,
          encode: (px, w, h, format, colour) => encodeImage(px, w, h, format, colour),
          checkpoint: () => checkpoint(signal),
        },
        blob,
        opts,
        onProgress,
      );
      const result: WorkerResult = {
        ...cut,
        // Read after the run: a WebGPU failure inside it moved the engine to WASM.
        backend: loaded().info.backend,
        variant: loaded().info.variant.id,
      };
      return Comlink.transfer(result, [result.mask.buffer]);
    } catch (err) {
      throw asJingjieError(err);
    }
  },
};
