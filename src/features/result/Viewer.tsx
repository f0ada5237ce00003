// Inspect a cut-out: checkerboard (or the chosen background) behind it, a before/after split,
// zoom and pan by wheel, drag, buttons and keyboard, and a true 100% view.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type CSSProperties } from 'react';
import { useI18n } from '../../i18n';

export interface BackgroundPreview {
  colour?: string;
  imageUrl?: string;
}

interface Props {
  originalUrl?: string;
  resultUrl?: string;
  width: number;
  height: number;
  background: BackgroundPreview;
  busy?: boolean;
  busyLabel?: string;
  /** The result image is decoded and on screen (called once per result URL). */
  onResultShown?: () => void;
}

interface View {
  scale: number;
  x: number;
  y: number;
  fit: boolean;
}

const MIN = 0.05;
const MAX = 16;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function Viewer({
  originalUrl,
  resultUrl,
  width,
  height,
  background,
  busy,
  busyLabel,
  onResultShown,
}: Props) {
  const { t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<View>({ scale: 1, x: 0, y: 0, fit: true });
  const [split, setSplit] = useState(0);
  const drag = useRef<{ x: number; y: number; vx: number; vy: number; id: number } | null>(null);

  const fitView = useCallback((): View => {
    const el = box.current;
    if (!el || !width || !height) return { scale: 1, x: 0, y: 0, fit: true };
    const pad = 24;
    const bw = el.clientWidth,
      bh = el.clientHeight;
    const s = Math.min((bw - pad * 2) / width, (bh - pad * 2) / height, 1);
    return { scale: s, x: (bw - width * s) / 2, y: (bh - height * s) / 2, fit: true };
  }, [width, height]);

  useLayoutEffect(() => setView(fitView()), [fitView]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setView((v) => (v.fit ? fitView() : v)));
    ro.observe(el);
    return () => ro.disconnect();
  }, [fitView]);

  const zoomAt = useCallback((factor: number, cx?: number, cy?: number) => {
    setView((v) => {
      const el = box.current;
      const px = cx ?? (el ? el.clientWidth / 2 : 0);
      const py = cy ?? (el ? el.clientHeight / 2 : 0);
      const s = clamp(v.scale * factor, MIN, MAX);
      const k = s / v.scale;
      return { scale: s, x: px - (px - v.x) * k, y: py - (py - v.y) * k, fit: false };
    });
  }, []);

  const actualSize = useCallback(() => {
    setView((v) => {
      const el = box.current;
      if (!el) return v;
      // Keep the centre of what is on screen in the centre.
      const cx = el.clientWidth / 2,
        cy = el.clientHeight / 2;
      const ix = (cx - v.x) / v.scale,
        iy = (cy - v.y) / v.scale;
      return { scale: 1, x: cx - ix, y: cy - iy, fit: false };
    });
  }, []);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const wheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const d = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
      zoomAt(Math.exp(-d * 0.0015), e.clientX - r.left, e.clientY - r.top);
    };
    el.addEventListener('wheel', wheel, { passive: false });
    return () => el.removeEventListener('wheel', wheel);
  }, [zoomAt]);

  const onKey = (e: React.KeyboardEvent) => {
    const step = 48;
    const pan = (dx: number, dy: number) => setView((v) => ({ ...v, x: v.x + dx, y: v.y + dy, fit: false }));
    switch (e.key) {
      case '+':
      case '=':
        zoomAt(1.25);
        break;
      case '-':
      case '_':
        zoomAt(0.8);
        break;
      case '0':
        setView(fitView());
        break;
      case '1':
        actualSize();
        break;
      case 'ArrowLeft':
        pan(step, 0);
        break;
      case 'ArrowRight':
        pan(-step, 0);
        break;
      case 'ArrowUp':
        pan(0, step);
        break;
      case 'ArrowDown':
        pan(0, -step);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const stage: CSSProperties = {
    width,
    height,
    transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})`,
    ['--checker' as string]: `${16 / view.scale}px`,
  };
  const after: CSSProperties = {
    clipPath: split > 0 ? `inset(0 0 0 ${split}%)` : undefined,
    backgroundColor: background.colour,
    backgroundImage: background.imageUrl ? `url("${background.imageUrl}")` : undefined,
  };
  const pct = Math.round(view.scale * 100);

  return (
    <div className="viewer">
      <div
        ref={box}
        className={`viewer__box${drag.current ? ' is-dragging' : ''}`}
        tabIndex={0}
        role="img"
        aria-roledescription="viewer"
        aria-label={t('result.viewer')}
        onKeyDown={onKey}
        onDoubleClick={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          if (view.scale < 1) zoomAt(1 / view.scale, e.clientX - r.left, e.clientY - r.top);
          else setView(fitView());
        }}
        onPointerDown={(e) => {
          if (e.button !== 0) return;
          e.currentTarget.setPointerCapture(e.pointerId);
          drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, id: e.pointerId };
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (!d || d.id !== e.pointerId) return;
          setView((v) => ({ ...v, x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y, fit: false }));
        }}
        onPointerUp={() => (drag.current = null)}
        onPointerCancel={() => (drag.current = null)}
      >
        <div className="viewer__stage" style={stage}>
          {originalUrl && <img className="viewer__layer" src={originalUrl} alt="" draggable={false} />}
          {resultUrl && !busy && (
            <div
              className={`viewer__layer viewer__after${background.colour || background.imageUrl ? '' : ' checker'}`}
              style={after}
            >
              <img
                src={resultUrl}
                alt=""
                draggable={false}
                data-testid="result-image"
                onLoad={(e) => {
                  if (!onResultShown) return;
                  // Loaded is not yet drawn: wait for the decode, then the frame that paints it.
                  void e.currentTarget
                    .decode()
                    .catch(() => undefined)
                    .then(() => requestAnimationFrame(() => onResultShown()));
                }}
              />
            </div>
          )}
          {split > 0 && resultUrl && !busy && (
            <div className="viewer__divider" style={{ left: `${split}%` }} aria-hidden="true" />
          )}
        </div>
        {split > 0 && resultUrl && !busy && (
          <>
            <span className="viewer__tag viewer__tag--before">{t('result.before')}</span>
            <span className="viewer__tag viewer__tag--after">{t('result.after')}</span>
          </>
        )}
        {busy && (
          <div className="viewer__busy" role="status">
            <span className="spinner" aria-hidden="true" />
            <span>{busyLabel}</span>
          </div>
        )}
      </div>
      <div className="viewer__toolbar">
        <label className="compare">
          <span className="compare__label">{t('result.compare')}</span>
          <input
            type="range"
            min={0}
            max={100}
            step={1}
            value={split}
            disabled={busy || !resultUrl}
            aria-label={t('result.compareLabel')}
            onChange={(e) => setSplit(Number(e.currentTarget.value))}
          />
        </label>
        <div className="zoom" role="group" aria-label={t('result.zoomLevel', { pct })}>
          <button
            type="button"
            className="btn btn--icon"
            onClick={() => zoomAt(0.8)}
            aria-label={t('result.zoomOut')}
            title={t('result.zoomOut')}
          >
            −
          </button>
          <output className="zoom__pct" aria-live="polite">
            {pct}%
          </output>
          <button
            type="button"
            className="btn btn--icon"
            onClick={() => zoomAt(1.25)}
            aria-label={t('result.zoomIn')}
            title={t('result.zoomIn')}
          >
            +
          </button>
          <button
            type="button"
            className="btn btn--small"
            onClick={() => setView(fitView())}
            aria-pressed={view.fit}
          >
            {t('result.fit')}
          </button>
          <button
            type="button"
            className="btn btn--small"
            onClick={actualSize}
            aria-pressed={!view.fit && view.scale === 1}
          >
            {t('result.actual')}
          </button>
        </div>
      </div>
    </div>
  );
}
