// The refine brush (issue 14): erase and restore strokes on the cut-out at full resolution, with
// zoom and pan, undo/redo, a compare toggle and keyboard shortcuts; Done stores the strokes and
// the worker's full-resolution result with the task.
//
// Smoothness on 12 MP: the worker decodes the layers; the page keeps them as typed arrays and
// paints only the dabs the pointer added since the last frame (src/shared/brush.ts), within a
// time budget per frame, then copies only the changed rectangle into a full-size canvas (no
// full-image pixel loop on any pointer event). Undo swaps back the tiles a stroke touched.
import { useCallback, useEffect, useId, useRef, useState, type CSSProperties } from 'react';
import { setUnsavedEdits } from './unsaved';
import type { Engine } from '../../engine';
import type { QueueApi, Task } from '../queue/types';
import { useI18n } from '../../i18n';
import {
  MAX_RADIUS,
  MIN_RADIUS,
  StrokePainter,
  roundPoint,
  strokeDabs,
  swapTiles,
  type BrushMode,
  type BrushStroke,
  type EditLayer,
  type Rect,
} from '../../shared/brush';
import { useViewport, ZoomControls } from './viewport';

interface Props {
  task: Task;
  engine: Engine;
  queue: QueueApi;
  originalUrl?: string;
  onClose(): void;
}

type Tool = BrushMode | 'pan';
type Phase = 'loading' | 'ready' | 'saving';

interface Entry {
  stroke: BrushStroke;
  /** The stroke's touched tiles as they were before it (after an undo: as they were after it). */
  tiles: Map<number, Uint8ClampedArray>;
}

interface Live {
  painter: StrokePainter;
  stroke: BrushStroke;
  pointerId: number;
  /** Points not yet walked, and dabs not yet painted (painted from `next`). */
  pending: number[];
  dabs: number[];
  next: number;
  ended: boolean;
}

/** Per frame: painting gets this long, copying to the canvas this long in all (ms). */
const PAINT_BUDGET = 8;
const FRAME_BUDGET = 14;
/** Larger rectangles are copied to the canvas in bands of at most this many pixels. */
const BAND_PX = 1 << 17;

const clampR = (r: number, max: number) => Math.min(max, Math.max(MIN_RADIUS, Math.round(r * 2) / 2));

export function BrushEditor({ task, engine, queue, originalUrl, onClose }: Props) {
  const { t, te } = useI18n();
  const width = task.result?.width ?? 1,
    height = task.result?.height ?? 1;
  const vp = useViewport(width, height);
  const { box, view } = vp;
  const maxR = Math.min(MAX_RADIUS, Math.max(16, Math.round(Math.max(width, height) / 8)));
  const [phase, setPhase] = useState<Phase>('loading');
  const [tool, setTool] = useState<Tool>('erase');
  const [radius, setRadius] = useState(() =>
    clampR(Math.max(width, height) / 100, Math.max(2, Math.round(Math.max(width, height) / 8))),
  );
  const [hardness, setHardness] = useState(0.5);
  /** Cancel was pressed with strokes not yet saved: ask before discarding them. */
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [compare, setCompare] = useState(false);
  const [hist, setHist] = useState({ pos: 0, len: 0 });
  const [error, setError] = useState<string>();
  const [panning, setPanning] = useState(false);
  const ids = { size: useId(), hard: useId(), hint: useId(), discard: useId() };

  const canvas = useRef<HTMLCanvasElement>(null);
  const cursor = useRef<HTMLDivElement>(null);
  const layer = useRef<EditLayer>(undefined);
  const image = useRef<ImageData>(undefined);
  const cutout = useRef<Blob>(undefined);
  const original = useRef<Blob>(undefined);
  const history = useRef<Entry[]>([]);
  const pos = useRef(0);
  const live = useRef<Live>(undefined);
  const dirty = useRef<Rect[]>([]);
  const raf = useRef(0);
  const space = useRef(false);
  const drag = useRef<{ x: number; y: number; vx: number; vy: number; id: number }>(undefined);
  const viewRef = useRef(view);
  viewRef.current = view;
  const settings = useRef({ tool, radius, hardness });
  settings.current = { tool, radius, hardness };
  const onReady = useRef<() => void>(undefined);
  /** A stroke was painted, undone or redone since the editor opened. */
  const touched = useRef(false);

  // Unsaved strokes: the browser asks before a reload or a closed tab discards them.
  useEffect(() => {
    const guard = (e: BeforeUnloadEvent) => {
      if (touched.current) e.preventDefault();
    };
    addEventListener('beforeunload', guard);
    return () => {
      removeEventListener('beforeunload', guard);
      setUnsavedEdits(false);
    };
  }, []);

  const syncHist = useCallback((changed = true) => {
    if (changed) setUnsavedEdits((touched.current = true));
    setHist({ pos: pos.current, len: history.current.length });
  }, []);

  // ---- the frame loop: paint pending dabs, copy changed rectangles to the canvas ----------------

  const finishStroke = useCallback(() => {
    const l = live.current;
    if (!l) return;
    live.current = undefined;
    history.current.length = pos.current;
    history.current.push({ stroke: l.stroke, tiles: l.painter.tiles() });
    pos.current = history.current.length;
    syncHist();
  }, [syncHist]);

  const frame = useCallback(() => {
    raf.current = 0;
    const t0 = performance.now();
    const l = live.current;
    if (l) {
      for (let i = 0; i < l.pending.length; i += 2) l.painter.dabsFor(l.pending[i], l.pending[i + 1], l.dabs);
      l.pending.length = 0;
      const { rect, next } = l.painter.paintDabs(l.dabs, l.next, PAINT_BUDGET);
      if (rect) dirty.current.push(rect);
      l.next = next;
      if (next >= l.dabs.length) {
        l.dabs.length = 0;
        l.next = 0;
        if (l.ended) finishStroke();
      }
    }
    const ctx = canvas.current?.getContext('2d');
    const img = image.current;
    const q = dirty.current;
    while (ctx && img && q.length && performance.now() - t0 < FRAME_BUDGET) {
      const r = q.shift()!;
      const rows = Math.max(1, Math.floor(BAND_PX / r.w));
      if (r.h > rows) q.unshift({ x: r.x, y: r.y + rows, w: r.w, h: r.h - rows });
      ctx.putImageData(img, 0, 0, r.x, r.y, r.w, Math.min(rows, r.h));
    }
    if (q.length || (live.current && (live.current.dabs.length || live.current.ended)))
      raf.current = requestAnimationFrame(frame);
    else if (onReady.current) {
      onReady.current();
      onReady.current = undefined;
    }
  }, [finishStroke]);

  const schedule = useCallback(() => {
    if (!raf.current) raf.current = requestAnimationFrame(frame);
  }, [frame]);

  /** Paints what is left of the current stroke at once (before undo, redo or Done). */
  const settle = useCallback(() => {
    const l = live.current;
    if (!l) return;
    for (let i = 0; i < l.pending.length; i += 2) l.painter.dabsFor(l.pending[i], l.pending[i + 1], l.dabs);
    l.pending.length = 0;
    const { rect } = l.painter.paintDabs(l.dabs, l.next);
    if (rect) dirty.current.push(rect);
    l.dabs.length = 0;
    l.next = 0;
    finishStroke();
    schedule();
  }, [finishStroke, schedule]);

  useEffect(() => () => cancelAnimationFrame(raf.current), []);

  // ---- loading: the layers from the worker, the stored strokes replayed (for undo) ---------------

  useEffect(() => {
    let alive = true;
    void (async () => {
      try {
        const [edits, photo] = await Promise.all([queue.edits(task.id), queue.original(task.id)]);
        if (!edits || !photo) throw new Error('result unavailable');
        const l = await engine.editLayers(edits.cutout, photo);
        if (!alive) return;
        cutout.current = edits.cutout;
        original.current = photo;
        for (const s of edits.strokes) {
          const p = new StrokePainter(l, s);
          const dabs = strokeDabs(s);
          for (let i = 0; i < dabs.length;) {
            i = p.paintDabs(dabs, i, PAINT_BUDGET).next;
            // Let input and rendering in between (a long stored stroke is never one long task).
            await new Promise((r) => setTimeout(r, 0));
            if (!alive) return;
          }
          history.current.push({ stroke: s, tiles: p.tiles() });
        }
        pos.current = history.current.length;
        syncHist(false);
        layer.current = l;
        image.current = new ImageData(l.pixels as Uint8ClampedArray<ArrayBuffer>, l.width, l.height);
        dirty.current.push({ x: 0, y: 0, w: l.width, h: l.height });
        onReady.current = () => alive && setPhase('ready');
        schedule();
      } catch (err) {
        if (alive) setError(te(err));
      }
    })();
    return () => {
      alive = false;
    };
  }, [engine, queue, task.id, te, schedule, syncHist]);

  // ---- history ---------------------------------------------------------------------------------

  const undo = useCallback(() => {
    settle();
    const l = layer.current;
    if (!l || pos.current === 0) return;
    pos.current--;
    dirty.current.push(...swapTiles(l, history.current[pos.current].tiles));
    syncHist();
    schedule();
  }, [settle, schedule, syncHist]);

  const redo = useCallback(() => {
    settle();
    const l = layer.current;
    if (!l || pos.current >= history.current.length) return;
    dirty.current.push(...swapTiles(l, history.current[pos.current].tiles));
    pos.current++;
    syncHist();
    schedule();
  }, [settle, schedule, syncHist]);

  const done = async () => {
    settle();
    if (!touched.current) return onClose();
    setPhase('saving');
    setError(undefined);
    try {
      const strokes = history.current.slice(0, pos.current).map((e) => e.stroke);
      const edited = strokes.length
        ? await engine.applyEdits(cutout.current!, original.current!, strokes)
        : undefined;
      await queue.saveEdits(task.id, strokes, edited);
      onClose();
    } catch (err) {
      setError(te(err));
      setPhase('ready');
    }
  };

  // ---- pointer ---------------------------------------------------------------------------------

  const toImage = (e: { clientX: number; clientY: number }) => {
    const r = box.current!.getBoundingClientRect();
    const v = viewRef.current;
    return [
      roundPoint((e.clientX - r.left - v.x) / v.scale),
      roundPoint((e.clientY - r.top - v.y) / v.scale),
    ];
  };

  const moveCursor = (e: { clientX: number; clientY: number }) => {
    const el = cursor.current,
      b = box.current;
    if (!el || !b) return;
    const r = b.getBoundingClientRect();
    el.style.setProperty('--cx', `${e.clientX - r.left}px`);
    el.style.setProperty('--cy', `${e.clientY - r.top}px`);
    el.hidden = false;
  };

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>) => {
    if (phase !== 'ready' || compare) return;
    box.current?.focus({ preventScroll: true });
    const s = settings.current;
    if (e.button === 1 || (e.button === 0 && (space.current || s.tool === 'pan'))) {
      e.preventDefault();
      e.currentTarget.setPointerCapture(e.pointerId);
      const v = viewRef.current;
      drag.current = { x: e.clientX, y: e.clientY, vx: v.x, vy: v.y, id: e.pointerId };
      setPanning(true);
      return;
    }
    // A big brush can trail the pointer: a stroke still being painted is finished first.
    if (live.current?.ended) settle();
    if (e.button !== 0 || live.current || !layer.current || s.tool === 'pan') return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const [x, y] = toImage(e);
    const stroke: BrushStroke = { mode: s.tool, radius: s.radius, hardness: s.hardness, points: [x, y] };
    live.current = {
      painter: new StrokePainter(layer.current, stroke),
      stroke,
      pointerId: e.pointerId,
      pending: [x, y],
      dabs: [],
      next: 0,
      ended: false,
    };
    schedule();
  };

  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>) => {
    moveCursor(e);
    const d = drag.current;
    if (d && d.id === e.pointerId) {
      vp.setView((v) => ({ ...v, x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y, fit: false }));
      return;
    }
    const l = live.current;
    if (!l || l.pointerId !== e.pointerId || l.ended) return;
    // Every sample the browser coalesced into this event: a fast stroke keeps its shape.
    const events = e.nativeEvent.getCoalescedEvents?.() ?? [];
    for (const ev of events.length ? events : [e.nativeEvent]) {
      const [x, y] = toImage(ev);
      const n = l.stroke.points.length;
      if (l.stroke.points[n - 2] === x && l.stroke.points[n - 1] === y) continue;
      l.stroke.points.push(x, y);
      l.pending.push(x, y);
    }
    schedule();
  };

  const onPointerEnd = (e: React.PointerEvent<HTMLDivElement>) => {
    if (drag.current?.id === e.pointerId) {
      drag.current = undefined;
      setPanning(false);
    }
    const l = live.current;
    if (l && l.pointerId === e.pointerId) {
      l.ended = true;
      schedule();
    }
  };

  // ---- keyboard --------------------------------------------------------------------------------

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.altKey) return;
    const mod = e.ctrlKey || e.metaKey;
    const k = e.key.toLowerCase();
    let handled = true;
    if (mod && k === 'z') (e.shiftKey ? redo : undo)();
    else if (mod && k === 'y') redo();
    else if (mod) handled = false;
    else if (k === 'e') setTool('erase');
    else if (k === 'r') setTool('restore');
    else if (k === 'h') setTool('pan');
    else if (k === '[') setRadius((r) => clampR(r / 1.25, maxR));
    else if (k === ']') setRadius((r) => clampR(Math.max(r + 0.5, r * 1.25), maxR));
    else if (k === 'c') setCompare((c) => !c);
    else if (e.key === ' ' && e.target === box.current) {
      space.current = true;
      setPanning(true);
    } else if (e.target === box.current) handled = vp.onViewKey(e);
    else handled = false;
    if (handled) e.preventDefault();
  };

  useEffect(() => {
    const up = (e: KeyboardEvent) => {
      if (e.key !== ' ') return;
      space.current = false;
      if (!drag.current) setPanning(false);
    };
    window.addEventListener('keyup', up);
    return () => window.removeEventListener('keyup', up);
  }, []);

  // ---- render ----------------------------------------------------------------------------------

  const stage: CSSProperties = {
    width,
    height,
    transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})`,
    ['--checker' as string]: `${16 / view.scale}px`,
  };
  const d = Math.max(2, radius * 2 * view.scale);
  const busy = phase !== 'ready';
  const toolLabel = { erase: t('brush.erase'), restore: t('brush.restore'), pan: t('brush.pan') };

  return (
    <div
      className="viewer brush"
      onKeyDown={onKeyDown}
      data-testid="brush-editor"
      data-phase={phase}
      data-strokes={hist.pos}
    >
      <div className="brush__bar" role="toolbar" aria-label={t('brush.title')}>
        <div className="segmented" role="radiogroup" aria-label={t('brush.tool')}>
          {(['erase', 'restore', 'pan'] as const).map((m) => (
            <label key={m} className={`segmented__item${tool === m ? ' is-on' : ''}`}>
              <input
                type="radio"
                name={`${ids.size}-tool`}
                value={m}
                checked={tool === m}
                onChange={() => setTool(m)}
                data-testid={`brush-${m}`}
              />
              <span>
                {toolLabel[m]} <kbd>{m === 'erase' ? 'E' : m === 'restore' ? 'R' : 'H'}</kbd>
              </span>
            </label>
          ))}
        </div>
        <label className="brush__slider" htmlFor={ids.size}>
          <span>{t('brush.size')}</span>
          <input
            id={ids.size}
            type="range"
            min={1}
            max={maxR * 2}
            step={1}
            value={Math.round(radius * 2)}
            onChange={(e) => setRadius(clampR(Number(e.currentTarget.value) / 2, maxR))}
            aria-valuetext={t('brush.sizeValue', { n: Math.round(radius * 2) })}
            data-testid="brush-size"
          />
          <output className="brush__value">{t('brush.sizeValue', { n: Math.round(radius * 2) })}</output>
        </label>
        <label className="brush__slider" htmlFor={ids.hard}>
          <span>{t('brush.hardness')}</span>
          <input
            id={ids.hard}
            type="range"
            min={0}
            max={100}
            step={5}
            value={Math.round(hardness * 100)}
            onChange={(e) => setHardness(Number(e.currentTarget.value) / 100)}
            aria-valuetext={`${Math.round(hardness * 100)}%`}
          />
          <output className="brush__value">{Math.round(hardness * 100)}%</output>
        </label>
        <div className="brush__group">
          <button
            type="button"
            className="btn btn--small"
            onClick={undo}
            disabled={busy || hist.pos === 0}
            title={`${t('brush.undo')} (Ctrl+Z)`}
            aria-keyshortcuts="Control+Z Meta+Z"
            data-testid="brush-undo"
          >
            {t('brush.undo')}
          </button>
          <button
            type="button"
            className="btn btn--small"
            onClick={redo}
            disabled={busy || hist.pos >= hist.len}
            title={`${t('brush.redo')} (Ctrl+Shift+Z)`}
            aria-keyshortcuts="Control+Shift+Z Control+Y Meta+Shift+Z"
            data-testid="brush-redo"
          >
            {t('brush.redo')}
          </button>
          <button
            type="button"
            className="btn btn--small"
            aria-pressed={compare}
            onClick={() => setCompare((c) => !c)}
            title={`${t('brush.compare')} (C)`}
            aria-keyshortcuts="C"
            data-testid="brush-compare"
          >
            {t('brush.compare')}
          </button>
        </div>
      </div>

      <div
        ref={box}
        className={`viewer__box brush__box${panning || tool === 'pan' ? ' is-panning' : ''}${drag.current ? ' is-dragging' : ''}`}
        tabIndex={0}
        role="application"
        aria-roledescription={t('brush.title')}
        aria-label={t('brush.canvas')}
        aria-describedby={ids.hint}
        data-testid="brush-canvas"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerEnd}
        onPointerCancel={onPointerEnd}
        onPointerLeave={() => {
          if (cursor.current) cursor.current.hidden = true;
        }}
        onContextMenu={(e) => e.preventDefault()}
      >
        <div className="viewer__stage" style={stage}>
          {originalUrl && (
            <img
              className="viewer__layer"
              src={originalUrl}
              alt=""
              draggable={false}
              style={{ visibility: compare ? 'visible' : 'hidden' }}
            />
          )}
          {/* The checkerboard apart from the canvas: painted once, not again with every stroke. */}
          {!compare && <div className="viewer__layer checker" />}
          <canvas
            ref={canvas}
            width={width}
            height={height}
            className={`viewer__layer brush__canvas${view.scale >= 2 ? ' is-pixelated' : ''}`}
            style={{ visibility: compare ? 'hidden' : 'visible' }}
          />
        </div>
        {compare && <span className="viewer__tag viewer__tag--before">{t('result.before')}</span>}
        {!busy && !compare && tool !== 'pan' && !panning && (
          <div
            ref={cursor}
            className={`brush__cursor brush__cursor--${tool}`}
            style={{ width: d, height: d }}
            hidden
            aria-hidden="true"
            data-testid="brush-cursor"
          />
        )}
        {busy && !error && (
          <div className="viewer__busy" role="status">
            <span className="spinner" aria-hidden="true" />
            <span>{phase === 'saving' ? t('brush.saving') : t('brush.loading')}</span>
          </div>
        )}
      </div>

      <div className="viewer__toolbar">
        <p className="brush__hint" id={ids.hint}>
          {t('brush.hint')}
        </p>
        <ZoomControls vp={vp} />
      </div>
      {error && (
        <p className="result__message is-error" role="alert">
          {error}
        </p>
      )}
      {confirmCancel && (
        // A mistaken Cancel must not throw away a careful edit.
        <div className="tasks__confirm" role="alertdialog" aria-labelledby={ids.discard}>
          <p id={ids.discard}>{t('brush.discardConfirm')}</p>
          <button type="button" className="btn btn--small btn--danger" onClick={onClose}>
            {t('brush.discard')}
          </button>
          <button type="button" className="btn btn--small" autoFocus onClick={() => setConfirmCancel(false)}>
            {t('brush.keepEditing')}
          </button>
        </div>
      )}
      <div className="brush__actions">
        <button
          type="button"
          className="btn"
          onClick={() => (touched.current ? setConfirmCancel(true) : onClose())}
          disabled={phase === 'saving'}
          data-testid="brush-cancel"
        >
          {t('brush.cancel')}
        </button>
        <button
          type="button"
          className="btn btn--primary"
          onClick={() => void done()}
          disabled={busy}
          data-testid="brush-done"
        >
          {phase === 'saving' ? t('result.preparing') : t('brush.done')}
        </button>
      </div>
    </div>
  );
}
