// A small worker that refuses a file before any model is needed: empty, over the byte limit, not an
// image this app opens, or declaring more pixels than it can decode (pipeline/decode.ts precheck).
// The queue asks it for each file as it is added, so such a file fails at once, even while the
// model is still downloading. The inference worker makes the same checks again before decoding.

import * as Comlink from 'comlink';
import { asJingjieError } from '../src/shared/errors';
import { precheck, type DecodeLimits } from './pipeline/decode';

const api = {
  /** Resolves when the file passes; rejects with its error ({name, message, detail}) when refused. */
  async check(blob: Blob, limits: DecodeLimits = {}): Promise<void> {
    try {
      await precheck(blob, limits);
    } catch (err) {
      // A plain {name, message, detail} crosses Comlink with its detail; an Error would lose it.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw asJingjieError(err).toWire();
    }
  },
};

export type CheckApi = typeof api;
Comlink.expose(api);
