// Zoom and pan of a full-resolution image in a box, shared by the result viewer and the refine
// brush: fit, a true 100%, wheel zoom about the pointer, keyboard zoom and pan, zoom buttons.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n';

export interface View {
  scale: number;
  x: number;
  y: number;
  fit: boolean;
}

const MIN = 0.05;
const MAX = 16;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function useViewport(width: number, height: number) {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<View>({ scale: 1, x: 0, y: 0, fit: true });

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

  const fit = useCallback(() => setView(fitView()), [fitView]);
  const pan = useCallback(
    (dx: number, dy: number) => setView((v) => ({ ...v, x: v.x + dx, y: v.y + dy, fit: false })),
    [],
  );

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

  /** + − 0 1 and the arrows; true when the key was a view key. */
  const onViewKey = useCallback(
    (e: { key: string }): boolean => {
      const step = 48;
      switch (e.key) {
        case '+':
        case '=':
          zoomAt(1.25);
          return true;
        case '-':
        case '_':
          zoomAt(0.8);
          return true;
        case '0':
          fit();
          return true;
        case '1':
          actualSize();
          return true;
        case 'ArrowLeft':
          pan(step, 0);
          return true;
        case 'ArrowRight':
          pan(-step, 0);
          return true;
        case 'ArrowUp':
          pan(0, step);
          return true;
        case 'ArrowDown':
          pan(0, -step);
          return true;
      }
      return false;
    },
    [zoomAt, fit, actualSize, pan],
  );

  return { box, view, setView, fitView, fit, zoomAt, actualSize, pan, onViewKey };
}

export type Viewport = ReturnType<typeof useViewport>;

/** − pct + Fit 100% */
export function ZoomControls({ vp }: { vp: Viewport }) {
  const { t } = useI18n();
  const pct = Math.round(vp.view.scale * 100);
  return (
    <div className="zoom" role="group" aria-label={t('result.zoomLevel', { pct })}>
      <button
        type="button"
        className="btn btn--icon"
        onClick={() => vp.zoomAt(0.8)}
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
        onClick={() => vp.zoomAt(1.25)}
        aria-label={t('result.zoomIn')}
        title={t('result.zoomIn')}
      >
        +
      </button>
      <button type="button" className="btn btn--small" onClick={vp.fit} aria-pressed={vp.view.fit}>
        {t('result.fit')}
      </button>
      <button
        type="button"
        className="btn btn--small"
        onClick={vp.actualSize}
        aria-pressed={!vp.view.fit && vp.view.scale === 1}
      >
        {t('result.actual')}
      </button>
    </div>
  );
}
