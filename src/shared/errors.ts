// Error names shared by the page and the workers. Errors cross Comlink as {name, message, detail};
// the UI branches on `name`, never on message text.

export const ERROR_NAMES = [
  'EmptyFile', // zero bytes
  'NotAnImage', // bytes are not a supported image format
  'UnsupportedFormat', // an image, but one we cannot decode here (e.g. SVG refused)
  'DecodeFailed', // image header looked fine but decoding failed (truncated, corrupt)
  'FileTooLarge', // over the byte limit
  'TooManyPixels', // over the pixel limit (decompression bombs included)
  'OutOfMemory', // the device could not hold the pixels
  'ModelDownloadFailed', // network or HTTP error fetching the model
  'ModelIntegrity', // sha256 or size mismatch even after a refetch
  'StorageUnavailable', // IndexedDB missing/blocked (private mode)
  'QuotaExceeded', // disk full
  'RuntimeFailed', // onnxruntime could not create a session or run
  'AbortError', // the caller cancelled
  'PresetInvalid', // an output preset cannot be applied; detail.issue is a PresetIssue (src/shared/presets.ts)
  'OtherTab', // another tab runs the queue; this one cannot add images until it closes
  'WorkerCrashed', // the inference worker died during the job (often out of memory); it was restarted
  'WorkerHung', // the inference worker made no progress for far longer than a job takes; it was restarted
  'WorkerNotStarted', // a new inference worker never answered its load, twice (detail.ms)
  'PreviewTimedOut', // a preset preview was not made in time, twice (detail.ms): the export may still work
  'ModelNotOnnx', // an imported model file that onnxruntime cannot open (not ONNX, or ops it lacks)
  'ModelWrongInterface', // an imported ONNX model whose inputs/outputs differ; detail.issue is an InterfaceIssue
  'ModelTestRunFailed', // an imported model failed its test inference; detail.issue is a TestRunIssue
  'InputUnavailable', // an input given by URL could not be fetched (the package, lib/); detail.status when HTTP answered
] as const;

export type ErrorName = (typeof ERROR_NAMES)[number];

/** Plain, structured-clone-safe error shape that crosses worker boundaries. */
export interface WireError {
  name: ErrorName;
  message: string;
  detail?: Record<string, string | number | boolean>;
}

export class JingjieError extends Error {
  override name: ErrorName;
  detail?: Record<string, string | number | boolean>;
  constructor(name: ErrorName, message: string, detail?: WireError['detail']) {
    super(message);
    this.name = name;
    this.detail = detail;
  }
  toWire(): WireError {
    return { name: this.name, message: this.message, detail: this.detail };
  }
}

export function isErrorName(x: unknown): x is ErrorName {
  return typeof x === 'string' && (ERROR_NAMES as readonly string[]).includes(x);
}

/** Normalise anything thrown into a JingjieError, keeping a known name when there is one. */
export function asJingjieError(err: unknown, fallback: ErrorName = 'RuntimeFailed'): JingjieError {
  if (err instanceof JingjieError) return err;
  if (err && typeof err === 'object' && 'name' in err && isErrorName(err.name)) {
    const e = err as WireError;
    return new JingjieError(e.name, String(e.message ?? e.name), e.detail);
  }
  if (err instanceof DOMException && err.name === 'AbortError')
    return new JingjieError('AbortError', 'Cancelled');
  if (err instanceof DOMException && err.name === 'QuotaExceededError')
    return new JingjieError('QuotaExceeded', 'The browser storage is full.');
  // The browser's own RangeError carries no code: its text is the only sign of an allocation failure.
  // eslint-disable-next-line no-restricted-syntax
  if (err instanceof RangeError && /memory|allocation|Array buffer/i.test(err.message))
    return new JingjieError('OutOfMemory', `Not enough memory: ${err.message}`);
  const message = err instanceof Error ? err.message : String(err);
  return new JingjieError(fallback, message);
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new JingjieError('AbortError', 'Cancelled');
}
