// The app's timeline as performance marks and measures on the main thread, for the bench
// (`performance.getEntriesByType('mark' | 'measure')`). First visit: jj:worker-up, jj:wasm-ready,
// jj:model-bytes, jj:verified, jj:session, jj:first-result. Every image: jj:pick-to-shown, from
// the file arriving at the app to its result on screen with Download enabled.
import type { LoadEvent } from '../shared/types';

export type TimelineMark = `jj:${LoadEvent}` | 'jj:first-result';

/** Mark a moment once per page: later engines (tests make their own) do not move it. */
export function markOnce(name: TimelineMark): void {
  if (typeof performance === 'undefined' || typeof performance.mark !== 'function') return;
  if (performance.getEntriesByName(name, 'mark').length) return;
  performance.mark(name);
}

const picked = new Map<string, number>();

/** Tasks whose files arrived at the app at `at` (performance.now()). */
export function notePicked(taskIds: readonly string[], at: number): void {
  for (const id of taskIds) picked.set(id, at);
}

/** A task's result is on screen with Download enabled: record its pick → shown (once per task). */
export function noteShown(taskId: string, inferenceMs: number): void {
  markOnce('jj:first-result');
  const start = picked.get(taskId);
  if (start === undefined) return;
  picked.delete(taskId);
  performance.measure('jj:pick-to-shown', {
    start,
    end: performance.now(),
    detail: { taskId, inferenceMs },
  });
}
