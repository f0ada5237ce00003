// The task list's windowing: which rows are rendered for a scroll position.
import { describe, expect, it } from 'vitest';
import { visibleRange } from '../../src/features/queue/visible-range';

describe('visibleRange', () => {
  it('renders nothing for an empty list', () => {
    expect(visibleRange(0, 0, 400, 60)).toEqual({ start: 0, end: 0 });
  });

  it('renders the rows in view plus the overscan, clamped to the list', () => {
    // 400 px at the top: rows 0..6 are (partly) visible, 8 more below.
    expect(visibleRange(5000, 0, 400, 60, 8)).toEqual({ start: 0, end: 15 });
    // Scrolled to row 100 exactly.
    expect(visibleRange(5000, 6000, 400, 60, 8)).toEqual({ start: 92, end: 115 });
    // At the very end.
    expect(visibleRange(5000, 5000 * 60 - 400, 400, 60, 8)).toEqual({ start: 4985, end: 5000 });
  });

  it('renders every row of a short list', () => {
    expect(visibleRange(5, 0, 276, 60)).toEqual({ start: 0, end: 5 });
  });

  it('never renders an empty window, even when the list shrank under the scroll position', () => {
    const r = visibleRange(10, 99_999, 400, 60, 2);
    expect(r.end - r.start).toBeGreaterThan(0);
    expect(r).toEqual({ start: 9, end: 10 });
  });

  it('survives a zero pitch or a negative scroll position (overscroll)', () => {
    expect(visibleRange(3, -50, 100, 0, 1)).toEqual({ start: 0, end: 3 });
  });

  it('renders a screenful, not the list, for 5,000 tasks', () => {
    const { start, end } = visibleRange(5000, 123_456, 368, 60);
    expect(end - start).toBeLessThanOrEqual(Math.ceil(368 / 60) + 1 + 16);
    expect(start * 60).toBeLessThanOrEqual(123_456);
    expect(end * 60).toBeGreaterThanOrEqual(123_456 + 368);
  });
});
