// Storage usage, quota and persistence: what the browser says, with safe defaults where an API
// is missing (older Safari, tests without navigator.storage).

export interface StorageEstimateLike {
  usage: number;
  quota: number;
}

export async function estimateStorage(): Promise<StorageEstimateLike | undefined> {
  const s = typeof navigator === 'undefined' ? undefined : navigator.storage;
  if (!s?.estimate) return undefined;
  try {
    const e = await s.estimate();
    if (typeof e.quota !== 'number' || e.quota <= 0) return undefined;
    return { usage: e.usage ?? 0, quota: e.quota };
  } catch {
    return undefined;
  }
}

/** Asks once for persistent storage so the browser does not evict results under pressure. */
export async function requestPersistence(): Promise<boolean> {
  const s = typeof navigator === 'undefined' ? undefined : navigator.storage;
  if (!s?.persisted || !s.persist) return false;
  try {
    if (await s.persisted()) return true;
    return await s.persist();
  } catch {
    return false;
  }
}

export async function isPersisted(): Promise<boolean> {
  const s = typeof navigator === 'undefined' ? undefined : navigator.storage;
  try {
    return (await s?.persisted?.()) ?? false;
  } catch {
    return false;
  }
}

/** True for the errors a browser throws when a write does not fit (names differ by engine). */
export function isQuotaError(err: unknown): boolean {
  if (!err || typeof err !== 'object' || !('name' in err)) return false;
  const name = err.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || name === 'QuotaExceeded';
}
