// Which rows of a scrolling list of equal-height rows are worth rendering (TaskList's windowing).

/** Rows rendered beyond each edge of the visible part of the list. */
export const OVERSCAN = 8;

/**
 * The half-open range [start, end) of the `count` rows, each `pitch` px apart, that intersect the
 * viewport (`scrollTop`, `viewHeight`) widened by `overscan` rows on each side. Never empty when
 * `count` > 0, even for a scroll position past the end (the list shrank under the viewport).
 */
export function visibleRange(
  count: number,
  scrollTop: number,
  viewHeight: number,
  pitch: number,
  overscan = OVERSCAN,
): { start: number; end: number } {
  if (count <= 0) return { start: 0, end: 0 };
  const p = pitch > 0 ? pitch : 1;
  const first = Math.floor(Math.max(0, scrollTop) / p);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewHeight)) / p);
  const start = Math.max(0, Math.min(count - 1, first - overscan));
  const end = Math.min(count, Math.max(start + 1, last + overscan));
  return { start, end };
}
