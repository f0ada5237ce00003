// The inference worker: owns the model session and every pixel of a job, from decode to encoded
// file. Exposed to the page with Comlink (see src/engine for the typed wrapper); each concern is a
// module of its own: the model (model-host.ts), jobs (jobs.ts), output without the model
// (output.ts). This file only puts them behind one API and sets up the wire.

import * as Comlink from 'comlink';
import { JingjieError } from '../src/shared/errors';
import { registerAbortTransfer } from '../src/shared/abort-transfer';
import type { LoadRequest } from '../src/shared/types';
import { model } from './model-host';
import { jobs, type WorkerResult } from './jobs';
import { output } from './output';

// The contracts live in src/shared/types.ts; re-exported for importers that name the worker's API.
export type { LoadRequest, WorkerResult };

const api = { ...model, ...jobs, ...output };

export type InferenceApi = typeof api;

// A job's AbortSignal arrives as a real AbortSignal (the page registers the same handler).
registerAbortTransfer();

// Comlink sends a thrown Error as { name, message, stack } only; keep our errors' `detail` (file
// name, sizes, limits) so the page can say which file failed and why, in its own language. The
// page side needs nothing: Comlink's deserialize copies every field back onto the Error.
const throwHandler = Comlink.transferHandlers.get('throw')! as Comlink.TransferHandler<
  { value: unknown },
  { isError: boolean; value: Record<string, unknown> }
>;
Comlink.transferHandlers.set('throw', {
  canHandle: throwHandler.canHandle,
  serialize(thrown: { value: unknown }) {
    const [wire, transfer] = throwHandler.serialize(thrown);
    if (wire.isError && thrown.value instanceof JingjieError && thrown.value.detail)
      wire.value.detail = thrown.value.detail;
    return [wire, transfer];
  },
  deserialize: throwHandler.deserialize,
});

Comlink.expose(api);
