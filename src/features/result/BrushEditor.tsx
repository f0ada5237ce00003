// The refine brush (issue 14): erase and restore strokes on the cut-out at full resolution, with
// zoom and pan, undo/redo, a compare toggle and keyboard shortcuts; Done stores the strokes and
// the worker's full-resolution result with the task.
//
// Smoothness on 12 MP: no pixel of a stroke is touched on the main thread. The canvas is handed
// to the brush's own worker (`engine.brush()`, workers/brush.worker.ts) with
// `transferControlToOffscreen`; that worker decodes the layers, paints the dabs with the one
// rasteriser (src/shared/brush.ts) and copies only the changed rectangles to the canvas, which
// the compositor shows without the page. The page sends pointer positions and keeps the view.
import { useCallback, useEffect, useId, useRef, useState, type CSSProperties } from 'react';
import * as Comlink from 'comlink';
import { setUnsavedEdits } from './unsaved';
import type { BrushHistory, BrushRemote, BrushSession, Engine } from '../../engine';
import type { QueueApi, Task } from '../queue';
import { useI18n } from '../../i18n';
import { asJingjieError } from '../../shared/errors';
import { MAX_RADIUS, MIN_RADIUS, roundPoint, roundPressure, type BrushMode } from '../../shared/brush';
import { usePinch, useViewport, ZoomControls } from './viewport';
import { Spinner } from '../../ui/stepped';
import { NumberField } from '../../ui/NumberField';

interface Props {
  task: Task;
  engine: Engine;
  queue: QueueApi;
  originalUrl?: string;
  onClose(): void;
}

type Tool = BrushMode | 'pan';
type Phase = 'loading' | 'ready' | 'saving';

const clampR = (r: number, max: number) => Math.min(max, Math.max(MIN_RADIUS, Math.round(r * 2) / 2));

export function BrushEditor({ task, engine, queue, originalUrl, onClose }: Props) {
  const { t, te } = useI18n();
  const width = task.result?.width ?? 1,
    height = task.result?.height ?? 1;
  const vp = useViewport(width, height);
  const { box, view } = vp;
  const pinch = usePinch(vp);
  const maxR = Math.min(MAX_RADIUS, Math.max(16, Math.round(Math.max(width, height) / 8)));
  const [phase, setPhase] = useState<Phase>('loading');
  const [tool, setTool] = useState<Tool>('erase');
  const [radius, setRadius] = useState(() =>
    clampR(Math.max(width, height) / 100, Math.max(2, Math.round(Math.max(width, height) / 8))),
  );
  const [hardness, setHardness] = useState(0.5);
  /** A pen's pressure sets the size of each dab (radius × pressure). */
  const [pressure, setPressure] = useState(true);
  /** Cancel was pressed with strokes not yet saved: ask before discarding them. */
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [compare, setCompare] = useState(false);
  const [hist, setHist] = useState<BrushHistory>({ pos: 0, len: 0 });
  const [error, setError] = useState<string>();
  const [panning, setPanning] = useState(false);
  const ids = { tool: useId(), hint: useId(), discard: useId() };
  /** The latest wording of errors (a language switch must not restart the painter). */
  const teRef = useRef(te);
  teRef.current = te;

  /** Holds the canvas, which is made here (not by React): it is transferred to the worker once. */
  const holder = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(undefined);
  const cursor = useRef<HTMLDivElement>(null);
  const session = useRef<BrushSession>(undefined);
  /** The pointer painting now, and its last point (repeats are not sent). */
  const live = useRef<{ pointerId: number; x: number; y: number; pen: boolean }>(undefined);
  const space = useRef(false);
  const drag = useRef<{ x: number; y: number; vx: number; vy: number; id: number }>(undefined);
  const viewRef = useRef(view);
  viewRef.current = view;
  const settings = useRef({ tool, radius, hardness, pressure });
  settings.current = { tool, radius, hardness, pressure };
  /** A stroke was begun, undone or redone since the editor opened (and before the live stroke began). */
  const touched = useRef(false);
  const touchedBefore = useRef(false);

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

  const syncHist = useCallback((h: BrushHistory, changed = true) => {
    if (changed) setUnsavedEdits((touched.current = true));
    setHist(h);
  }, []);

  /** A call to the painter; a failure is shown (the editor stays open, nothing stored changes). */
  const call = useCallback(async <T,>(f: (remote: BrushRemote) => Promise<T>): Promise<T | undefined> => {
    const s = session.current;
    if (!s) return undefined;
    try {
      return await s.call(f);
    } catch (err) {
      setError(teRef.current(asJingjieError(err)));
      return undefined;
    }
  }, []);

  // ---- loading: the painter's worker gets the canvas, the layers and the stored strokes ---------

  useEffect(() => {
    let alive = true;
    const el = document.createElement('canvas');
    el.className = 'viewer__layer brush__canvas';
    el.width = width;
    el.height = height;
    holder.current?.append(el);
    canvas.current = el;
    const s = engine.brush();
    session.current = s;
    void (async () => {
      try {
        const [edits, photo] = await Promise.all([queue.edits(task.id), queue.original(task.id)]);
        if (!edits || !photo) throw new Error('result unavailable');
        const off = el.transferControlToOffscreen();
        const h = await s.call((r) =>
          r.open(Comlink.transfer(off, [off]), edits.cutout, photo, edits.strokes),
        );
        if (!alive) return;
        syncHist(h, false);
        setPhase('ready');
      } catch (err) {
        if (alive) setError(teRef.current(asJingjieError(err)));
      }
    })();
    return () => {
      alive = false;
      s.close();
      el.remove();
      if (session.current === s) session.current = undefined;
    };
  }, [engine, queue, task.id, syncHist, width, height]);

  // The canvas is not React's: its view-dependent class and visibility are set here.
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    el.classList.toggle('is-pixelated', view.scale >= 2);
    el.style.visibility = compare ? 'hidden' : 'visible';
  }, [view.scale, compare]);

  // ---- history ---------------------------------------------------------------------------------

  const undo = useCallback(async () => {
    const h = await call((r) => r.undo());
    if (h) syncHist(h);
  }, [call, syncHist]);

  const redo = useCallback(async () => {
    const h = await call((r) => r.redo());
    if (h) syncHist(h);
  }, [call, syncHist]);

  const done = async () => {
    const s = session.current;
    if (!touched.current || !s) return onClose();
    setPhase('saving');
    setError(undefined);
    try {
      const { strokes, edited } = await s.call((r) => r.save());
      await queue.saveEdits(task.id, strokes, edited);
      onClose();
    } catch (err) {
      setError(te(asJingjieError(err)));
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
    if (pinch.down(e)) {
      // A second finger: this is a pinch, not a stroke or a drag; what the first one began is dropped.
      e.currentTarget.setPointerCapture(e.pointerId);
      if (live.current) {
        live.current = undefined;
        setUnsavedEdits((touched.current = touchedBefore.current));
        void call((r) => r.cancel());
      }
      if (drag.current) {
        drag.current = undefined;
        setPanning(false);
      }
      return;
    }
    const s = settings.current;
    if (e.button === 1 || (e.button === 0 && (space.current || s.tool === 'pan'))) {
      e.preventDefault();
      e.currentTarget.setPointerCapture(e.pointerId);
      const v = viewRef.current;
      drag.current = { x: e.clientX, y: e.clientY, vx: v.x, vy: v.y, id: e.pointerId };
      setPanning(true);
      return;
    }
    if (e.button !== 0 || live.current || !session.current || s.tool === 'pan') return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const [x, y] = toImage(e);
    const pen = e.pointerType === 'pen' && s.pressure;
    live.current = { pointerId: e.pointerId, x, y, pen };
    touchedBefore.current = touched.current;
    setUnsavedEdits((touched.current = true));
    const brush = { mode: s.tool, radius: s.radius, hardness: s.hardness };
    const p = pen ? roundPressure(e.pressure) : undefined;
    // A stroke the worker is still painting is finished there first (its calls arrive in order).
    void call((r) => r.begin(brush, x, y, p));
  };

  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>) => {
    if (pinch.move(e)) return;
    moveCursor(e);
    const d = drag.current;
    if (d && d.id === e.pointerId) {
      vp.setView((v) => ({ ...v, x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y, fit: false }));
      return;
    }
    const l = live.current;
    if (!l || l.pointerId !== e.pointerId) return;
    // Every sample the browser coalesced into this event: a fast stroke keeps its shape.
    const events = e.nativeEvent.getCoalescedEvents?.() ?? [];
    const points: number[] = [];
    for (const ev of events.length ? events : [e.nativeEvent]) {
      const [x, y] = toImage(ev);
      if (l.x === x && l.y === y) continue;
      points.push(x, y, l.pen ? roundPressure(ev.pressure) : 1);
      l.x = x;
      l.y = y;
    }
    if (points.length) void call((r) => r.move(points));
  };

  const onPointerEnd = (e: React.PointerEvent<HTMLDivElement>) => {
    if (pinch.up(e)) return;
    if (drag.current?.id === e.pointerId) {
      drag.current = undefined;
      setPanning(false);
    }
    const l = live.current;
    if (l && l.pointerId === e.pointerId) {
      live.current = undefined;
      void call((r) => r.end()).then((h) => h && syncHist(h));
    }
  };

  // ---- keyboard --------------------------------------------------------------------------------

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.altKey) return;
    const mod = e.ctrlKey || e.metaKey;
    const k = e.key.toLowerCase();
    let handled = true;
    if (mod && k === 'z') void (e.shiftKey ? redo : undo)();
    else if (mod && k === 'y') void redo();
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
                name={ids.tool}
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
        <NumberField
          className="brush__slider"
          valueClassName="brush__value"
          type="range"
          label={t('brush.size')}
          min={1}
          max={maxR * 2}
          step={1}
          value={Math.round(radius * 2)}
          valueText={t('brush.sizeValue', { n: Math.round(radius * 2) })}
          testId="brush-size"
          onValue={(v) => setRadius(clampR(v / 2, maxR))}
        />
        <NumberField
          className="brush__slider"
          valueClassName="brush__value"
          type="range"
          label={t('brush.hardness')}
          min={0}
          max={100}
          step={5}
          value={Math.round(hardness * 100)}
          valueText={`${Math.round(hardness * 100)}%`}
          onValue={(v) => setHardness(v / 100)}
        />
        <label className="brush__check" title={t('brush.pressureHint')}>
          <input
            type="checkbox"
            checked={pressure}
            onChange={(e) => setPressure(e.currentTarget.checked)}
            data-testid="brush-pressure"
          />
          <span>{t('brush.pressure')}</span>
        </label>
        <div className="brush__group">
          <button
            type="button"
            className="btn btn--small"
            onClick={() => void undo()}
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
            onClick={() => void redo()}
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
          <div ref={holder} className="viewer__layer" />
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
            <Spinner />
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
