// Inspect a cut-out: checkerboard (or the chosen background) behind it, a before/after split,
// zoom and pan by wheel, drag, buttons and keyboard, and a true 100% view.
import { useRef, useState, type CSSProperties } from 'react';
import { useI18n } from '../../i18n';
import { usePinch, useViewport, ZoomControls } from './viewport';
import { Spinner } from '../../ui/stepped';

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
  const vp = useViewport(width, height);
  const { box, view, setView, fitView, zoomAt } = vp;
  // The box takes every touch (touch-action: none), so two fingers zoom here, not the page.
  const pinch = usePinch(vp);
  const [split, setSplit] = useState(0);
  const drag = useRef<{ x: number; y: number; vx: number; vy: number; id: number } | null>(null);

  const onKey = (e: React.KeyboardEvent) => {
    if (vp.onViewKey(e)) e.preventDefault();
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
          if (pinch.down(e)) {
            drag.current = null;
            return;
          }
          drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, id: e.pointerId };
        }}
        onPointerMove={(e) => {
          if (pinch.move(e)) return;
          const d = drag.current;
          if (!d || d.id !== e.pointerId) return;
          setView((v) => ({ ...v, x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y, fit: false }));
        }}
        onPointerUp={(e) => {
          pinch.up(e);
          drag.current = null;
        }}
        onPointerCancel={(e) => {
          pinch.up(e);
          drag.current = null;
        }}
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
            <Spinner />
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
        <ZoomControls vp={vp} />
      </div>
    </div>
  );
}
