// Object URLs for Blobs loaded asynchronously, revoked when they change or their users go; stored
// images get one URL shared by all the components that show them.
import { useEffect, useState } from 'react';

export interface BlobLoad {
  url?: string;
  /** What the last load threw, to be shown with its code; cleared by `retry` and new deps. */
  error?: unknown;
  /** Runs the load again (after an error). */
  retry(): void;
}

/** An object URL for a Blob loaded asynchronously, with the load's failure kept for the caller. */
export function useBlobLoad(load: () => Promise<Blob | undefined>, deps: unknown[]): BlobLoad {
  const [url, setUrl] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let alive = true;
    let made: string | undefined;
    setUrl(undefined);
    setError(undefined);
    void load().then(
      (b) => {
        if (!alive || !b) return;
        made = URL.createObjectURL(b);
        setUrl(made);
      },
      (err: unknown) => {
        if (alive) setError(err ?? new Error('load failed'));
      },
    );
    return () => {
      alive = false;
      if (made) URL.revokeObjectURL(made);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, attempt]);
  return { url, error, retry: () => setAttempt((n) => n + 1) };
}

/** `useBlobLoad` for a picture whose failure shows nothing (the URL alone). */
export function useBlobUrl(load: () => Promise<Blob | undefined>, deps: unknown[]): string | undefined {
  return useBlobLoad(load, deps).url;
}

interface Shared {
  url?: string;
  refs: number;
  ready: Promise<string | undefined>;
}
const shared = new Map<string, Shared>();

/**
 * One object URL per stored image (a task's original or result), shared by every component that
 * shows it: the viewer and the task strip then load the same URL, and the browser decodes a
 * 12 MP photo once instead of once per component. Revoked when the last user goes.
 */
export function useSharedBlobUrl(
  key: string | undefined,
  load: () => Promise<Blob | undefined>,
): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    if (!key) return setUrl(undefined);
    let alive = true;
    let entry = shared.get(key);
    if (!entry) {
      const e: Shared = {
        refs: 0,
        ready: load().then(
          (b) => {
            if (!b || e.refs === 0) return undefined;
            return (e.url = URL.createObjectURL(b));
          },
          () => undefined,
        ),
      };
      shared.set(key, e);
      entry = e;
    }
    const mine = entry;
    mine.refs++;
    setUrl(mine.url);
    if (!mine.url) void mine.ready.then((u) => alive && setUrl(u));
    return () => {
      alive = false;
      if (--mine.refs > 0) return;
      shared.delete(key);
      if (mine.url) URL.revokeObjectURL(mine.url);
    };
    // `load` belongs to the key: a new key brings its own.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return url;
}

/** The shared-URL key of a task's stored cut-out; a new one after each brush edit or revert. */
export function resultKey(task: { id: string; result?: { editedAt?: number } }): string {
  return `result:${task.id}:${task.result?.editedAt ?? 0}`;
}
