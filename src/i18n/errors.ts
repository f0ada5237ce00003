// The message table for errors shown to the user: one key per error `name` in src/shared/errors.ts.
import { ERROR_NAMES, isErrorName, type ErrorName } from '../shared/errors';
import type { MessageKey } from './en';

export const ERROR_KEYS: Record<ErrorName, MessageKey> = Object.fromEntries(
  ERROR_NAMES.map((n) => [n, `error.${n}` as MessageKey]),
) as Record<ErrorName, MessageKey>;

/** The message key for anything thrown or any WireError, by its stable `name`. */
export function errorKey(err: unknown): MessageKey {
  const name = err && typeof err === 'object' && 'name' in err ? (err as { name: unknown }).name : undefined;
  return isErrorName(name) ? ERROR_KEYS[name] : 'error.unknown';
}
