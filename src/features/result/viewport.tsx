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

interface PointerLike {
  pointerId: number;
  pointerType: string;
  clientX: number;
  clientY: number;
}

/**
 * Two-finger pinch on a touch screen: zoom about the fingers' midpoint and pan with it. Feed it
 * every pointer event first; each call says whether the pinch owns the event. A pinch starts when
 * a second finger touches and lasts until every finger has left (so the finger left behind does
 * not paint or drag).
 */
export function usePinch(vp: Pick<Viewport, 'box' | 'setView' | 'view'>) {
  const fingers = useRef(new Map<number, { x: number; y: number }>());
  const start = useRef<{ d: number; mx: number; my: number; v: View }>(undefined);
  const viewRef = useRef(vp.view);
  viewRef.current = vp.view;

  const at = (e: PointerLike) => {
    const r = vp.box.current?.getBoundingClientRect();
    return { x: e.clientX - (r?.left ?? 0), y: e.clientY - (r?.top ?? 0) };
  };
  const two = () => {
    const [a, b] = [...fingers.current.values()];
    return { d: Math.max(1, Math.hypot(a.x - b.x, a.y - b.y)), mx: (a.x + b.x) / 2, my: (a.y + b.y) / 2 };
  };

  return {
    /** True when this touch starts a pinch (the caller drops what the first finger began) or joins one. */
    down(e: PointerLike): boolean {
      if (e.pointerType !== 'touch') return false;
      fingers.current.set(e.pointerId, at(e));
      if (fingers.current.size === 2) {
        // A pinch starts, or a finger lifted during one comes back: measure from here.
        start.current = { ...two(), v: viewRef.current };
        return true;
      }
      return !!start.current;
    },
    move(e: PointerLike): boolean {
      if (!fingers.current.has(e.pointerId)) return false;
      fingers.current.set(e.pointerId, at(e));
      const s0 = start.current;
      if (!s0) return false;
      if (fingers.current.size < 2) {
        const [a] = [...fingers.current.values()];
        vp.setView({ ...s0.v, x: s0.v.x + a.x - s0.mx, y: s0.v.y + a.y - s0.my, fit: false });
        return true;
      }
      const { d, mx, my } = two();
      const scale = clamp((s0.v.scale * d) / s0.d, MIN, MAX);
      // The image point under the fingers' first midpoint stays under their midpoint.
      const ix = (s0.mx - s0.v.x) / s0.v.scale,
        iy = (s0.my - s0.v.y) / s0.v.scale;
      vp.setView({ scale, x: mx - ix * scale, y: my - iy * scale, fit: false });
      return true;
    },
    up(e: PointerLike): boolean {
      if (!fingers.current.delete(e.pointerId)) return false;
      const pinching = !!start.current;
      if (fingers.current.size === 0) start.current = undefined;
      else if (fingers.current.size === 1 && start.current) {
        // One finger lifted: the other goes on panning from where it is.
        const [a] = [...fingers.current.values()];
        start.current = { d: start.current.d, mx: a.x, my: a.y, v: viewRef.current };
      }
      return pinching;
    },
  };
}

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
