// The message table for errors shown to the user: one key per error `name` in src/shared/errors.ts.
import { ERROR_NAMES, isErrorName, type ErrorName } from '../shared/errors';
import type { MessageKey } from './en';

export const ERROR_KEYS: Record<ErrorName, MessageKey> = Object.fromEntries(
  ERROR_NAMES.map((n) => [n, `error.${n}` as MessageKey]),
) as Record<ErrorName, MessageKey>;

/** The message key for anything thrown or any WireError, by its stable `name`. */
export function errorKey(err: unknown): MessageKey {
  const name = err && typeof err === 'object' && 'name' in err ? err.name : undefined;
  return isErrorName(name) ? ERROR_KEYS[name] : 'error.unknown';
}

/**
 * Keys for a message that names the file and its numbers, used when the error's `detail` carries
 * every value the message needs; otherwise the generic `error.<name>` message stands.
 */
const FILE_KEYS: Partial<Record<ErrorName, MessageKey>> = {
  EmptyFile: 'error.EmptyFile.file',
  NotAnImage: 'error.NotAnImage.file',
  UnsupportedFormat: 'error.UnsupportedFormat.file',
  DecodeFailed: 'error.DecodeFailed.file',
  FileTooLarge: 'error.FileTooLarge.file',
  TooManyPixels: 'error.TooManyPixels.file',
  OutOfMemory: 'error.OutOfMemory.file',
  ModelNotOnnx: 'error.ModelNotOnnx.file',
  ModelTestRunFailed: 'error.ModelTestRunFailed.file',
};

/**
 * Errors whose `detail.issue` picks a more precise message, `error.<name>.<issue>`, filled from
 * `detail.found` and `detail.expected` (an imported model file's checks, workers/model-import.ts;
 * a photo that ends early, workers/pipeline/decode.ts).
 */
const ISSUE_ERRORS: readonly ErrorName[] = ['ModelWrongInterface', 'ModelTestRunFailed', 'DecodeFailed'];

/** "svg" → "SVG", "image/tiff" → "TIFF", "application/pdf" → "PDF"; undefined when unknown. */
export function formatLabel(format: unknown): string | undefined {
  if (typeof format !== 'string' || !format || format === 'unknown') return undefined;
  const sub = format.includes('/') ? format.split('/')[1] : format;
  return (
    sub
      .replace(/^(x-|vnd\.)/, '')
      .split(/[+.;-]/)[0]
      .toUpperCase() || undefined
  );
}

/** The message key and its values for an error, the file-specific one when the detail allows. */
export function errorMessage(
  err: unknown,
  bytes: (n: number) => string,
  template: (key: MessageKey) => string,
): { key: MessageKey; vars?: Record<string, string | number> } {
  const key = errorKey(err);
  const name = err && typeof err === 'object' && 'name' in err ? err.name : undefined;
  const detail =
    err && typeof err === 'object' && 'detail' in err
      ? (err as { detail?: Record<string, unknown> }).detail
      : undefined;
  const fileKey = isErrorName(name) ? FILE_KEYS[name] : undefined;
  if (isErrorName(name) && ISSUE_ERRORS.includes(name) && detail && typeof detail.fileName === 'string') {
    const issueKey = `error.${name}.${String(detail.issue)}` as MessageKey;
    const vars: Record<string, string | number> = { fileName: detail.fileName };
    if (typeof detail.found === 'string') vars.found = detail.found;
    if (typeof detail.expected === 'string') vars.expected = detail.expected;
    const text = template(issueKey) as string | undefined;
    const needed = text ? [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]) : undefined;
    if (needed?.every((k) => k in vars)) return { key: issueKey, vars };
  }
  if (!fileKey || !detail || typeof detail.fileName !== 'string') return { key };
  const vars: Record<string, string | number> = { fileName: detail.fileName };
  const num = (k: string) => (typeof detail[k] === 'number' ? detail[k] : undefined);
  const b = num('bytes'),
    mb = num('maxBytes'),
    w = num('width'),
    h = num('height'),
    mp = num('maxPixels');
  if (b !== undefined) vars.size = bytes(b);
  if (mb !== undefined) vars.limit = bytes(mb);
  if (w !== undefined) vars.width = w;
  if (h !== undefined) vars.height = h;
  if (mp !== undefined) vars.mp = Math.round(mp / 1e6);
  const label = formatLabel(detail.format);
  if (label) vars.format = label;
  const needed = [...template(fileKey).matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  return needed.every((k) => k in vars) ? { key: fileKey, vars } : { key };
}
