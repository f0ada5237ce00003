// The refine brush's painter (issue 14), in its own worker so that no pixel of a stroke is
// touched on the main thread: the page transfers its canvas here (`transferControlToOffscreen`)
// and sends only pointer positions. This worker decodes the layers (`pipeline/edit-io.ts`),
// replays the stored strokes (for undo), paints the live stroke with the one rasteriser
// (src/shared/brush.ts, the same the full-resolution save uses) and copies only the changed
// rectangles to the canvas, a frame at a time. Undo swaps back the tiles a stroke touched.
//
// One worker per open editor, started by the engine (`engine.brush()`), ended when it closes.

import * as Comlink from 'comlink';
import {
  StrokePainter,
  strokeDabs,
  swapTiles,
  type BrushStroke,
  type EditLayer,
  type Rect,
} from '../src/shared/brush';
import { asJingjieError, JingjieError } from '../src/shared/errors';
import { editLayers, encodeEdited } from './pipeline/edit-io';

/** Where the history stands: strokes applied (`pos`) of those kept (`len`, the rest are redo). */
export interface BrushHistory {
  pos: number;
  len: number;
}

export interface BrushApi {
  /** Decodes the layers, replays `strokes` and draws the cut-out; resolves once it is on the canvas. */
  open(canvas: OffscreenCanvas, cutout: Blob, original: Blob, strokes: BrushStroke[]): Promise<BrushHistory>;
  /**
   * Starts a stroke at (x, y), full-resolution pixels (a stroke still being painted is finished
   * first). `p`: a pen's pressure there, given when the size follows the pressure.
   */
  begin(brush: Omit<BrushStroke, 'points' | 'pressure'>, x: number, y: number, p?: number): void;
  /** More points of the current stroke (flat x, y, pressure; the pressure is ignored without one at `begin`). */
  move(points: number[]): void;
  /** Ends the current stroke; resolves when it is painted and in the history. */
  end(): Promise<BrushHistory>;
  /** Drops the current stroke, its pixels put back (a second finger made it a pinch). */
  cancel(): BrushHistory;
  undo(): BrushHistory;
  redo(): BrushHistory;
  /**
   * What Done stores: the strokes applied now, in order, and (when there are any) the layer
   * encoded as the edited cut-out and mask. The layer is the full-resolution result already (the
   * same rasteriser as `applyEdits`, and undo restores bytes exactly), so nothing is decoded or
   * painted again.
   */
  save(): Promise<{ strokes: BrushStroke[]; edited?: { png: Blob; mask: Blob } }>;
}

interface Entry {
  stroke: BrushStroke;
  /** The stroke's touched tiles as they were before it (after an undo: as they were after it). */
  tiles: Map<number, Uint8ClampedArray>;
}

interface Live {
  painter: StrokePainter;
  stroke: BrushStroke;
  /** Points not yet walked (x, y, pressure), and dabs not yet painted (painted from `next`). */
  pending: number[];
  dabs: number[];
  next: number;
  ended: boolean;
  done: Array<(h: BrushHistory) => void>;
}

/** Per frame: painting gets this long, copying to the canvas this long in all (ms). */
const PAINT_BUDGET = 10;
const FRAME_BUDGET = 14;
/** Larger rectangles are copied to the canvas in bands of at most this many pixels. */
const BAND_PX = 1 << 18;

let layer: EditLayer | undefined;
let image: ImageData | undefined;
let ctx: OffscreenCanvasRenderingContext2D | undefined;
const history: Entry[] = [];
let pos = 0;
let live: Live | undefined;
const dirty: Rect[] = [];
let scheduled = false;
let drawn: (() => void) | undefined;

const state = (): BrushHistory => ({ pos, len: history.length });

// A frame where the canvas has one (its placeholder is on screen), else as soon as possible.
const nextFrame: (f: () => void) => void =
  typeof requestAnimationFrame === 'function' ? (f) => requestAnimationFrame(f) : (f) => setTimeout(f, 0);

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  nextFrame(frame);
}

function finishStroke(): void {
  const l = live;
  if (!l) return;
  live = undefined;
  history.length = pos;
  history.push({ stroke: l.stroke, tiles: l.painter.tiles() });
  pos = history.length;
  for (const f of l.done) f(state());
}

function walk(l: Live): void {
  for (let i = 0; i < l.pending.length; i += 3)
    l.painter.dabsFor(l.pending[i], l.pending[i + 1], l.pending[i + 2], l.dabs);
  l.pending.length = 0;
}

function frame(): void {
  scheduled = false;
  const t0 = performance.now();
  const l = live;
  if (l) {
    walk(l);
    const { rect, next } = l.painter.paintDabs(l.dabs, l.next, PAINT_BUDGET);
    if (rect) dirty.push(rect);
    l.next = next;
    if (next >= l.dabs.length) {
      l.dabs.length = 0;
      l.next = 0;
      if (l.ended) finishStroke();
    }
  }
  while (ctx && image && dirty.length && performance.now() - t0 < FRAME_BUDGET) {
    const r = dirty.shift()!;
    const rows = Math.max(1, Math.floor(BAND_PX / r.w));
    if (r.h > rows) dirty.unshift({ x: r.x, y: r.y + rows, w: r.w, h: r.h - rows });
    ctx.putImageData(image, 0, 0, r.x, r.y, r.w, Math.min(rows, r.h));
  }
  if (dirty.length || (live && (live.dabs.length || live.pending.length || live.ended))) schedule();
  else if (drawn) {
    drawn();
    drawn = undefined;
  }
}

/** Paints what is left of the current stroke at once (before a new stroke, undo, redo or save). */
function settle(): void {
  const l = live;
  if (!l) return;
  walk(l);
  const { rect } = l.painter.paintDabs(l.dabs, l.next);
  if (rect) dirty.push(rect);
  l.dabs.length = 0;
  l.next = 0;
  finishStroke();
  schedule();
}

function ready(): EditLayer {
  if (!layer) throw new JingjieError('RuntimeFailed', 'The brush has no layer open.');
  return layer;
}

const api: BrushApi = {
  async open(canvas, cutout, original, strokes) {
    try {
      const l = await editLayers(cutout, original);
      for (const s of strokes) {
        const p = new StrokePainter(l, s);
        p.paintDabs(strokeDabs(s));
        history.push({ stroke: s, tiles: p.tiles() });
      }
      pos = history.length;
      layer = l;
      image = new ImageData(l.pixels as Uint8ClampedArray<ArrayBuffer>, l.width, l.height);
      canvas.width = l.width;
      canvas.height = l.height;
      ctx = canvas.getContext('2d') ?? undefined;
      dirty.push({ x: 0, y: 0, w: l.width, h: l.height });
      await new Promise<void>((r) => {
        drawn = r;
        schedule();
      });
      return state();
    } catch (err) {
      throw asJingjieError(err);
    }
  },

  begin(brush, x, y, p) {
    settle();
    const stroke: BrushStroke = { ...brush, points: [x, y], ...(p === undefined ? {} : { pressure: [p] }) };
    live = {
      painter: new StrokePainter(ready(), stroke),
      stroke,
      pending: [x, y, p ?? 1],
      dabs: [],
      next: 0,
      ended: false,
      done: [],
    };
    schedule();
  },

  move(points) {
    const l = live;
    if (!l || l.ended) return;
    const { points: pts, pressure } = l.stroke;
    for (let i = 0; i + 2 < points.length; i += 3) {
      const x = points[i],
        y = points[i + 1],
        p = pressure ? points[i + 2] : 1;
      if (pts[pts.length - 2] === x && pts[pts.length - 1] === y) continue;
      pts.push(x, y);
      pressure?.push(p);
      l.pending.push(x, y, p);
    }
    schedule();
  },

  end() {
    const l = live;
    if (!l) return Promise.resolve(state());
    l.ended = true;
    schedule();
    return new Promise((r) => l.done.push(r));
  },

  cancel() {
    const l = live;
    if (l) {
      live = undefined;
      dirty.push(...swapTiles(ready(), l.painter.tiles()));
      schedule();
      for (const f of l.done) f(state());
    }
    return state();
  },

  undo() {
    settle();
    const l = ready();
    if (pos > 0) {
      pos--;
      dirty.push(...swapTiles(l, history[pos].tiles));
      schedule();
    }
    return state();
  },

  redo() {
    settle();
    const l = ready();
    if (pos < history.length) {
      dirty.push(...swapTiles(l, history[pos].tiles));
      pos++;
      schedule();
    }
    return state();
  },

  async save() {
    settle();
    const strokes = history.slice(0, pos).map((e) => e.stroke);
    try {
      return { strokes, ...(strokes.length ? { edited: await encodeEdited(ready()) } : {}) };
    } catch (err) {
      throw asJingjieError(err);
    }
  },
};

Comlink.expose(api);
