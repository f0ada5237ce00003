// Busy indicators that move in a few steps a second from a timer instead of a CSS animation.
// With software compositing (headless, and devices without GPU raster) a compositor animation
// draws every display frame, and during a photo that took 2-3 CPU-s from inference on 2 cores
// (docs/speed.md, "The busy indicators"); 8 frames a second cost about an eighth of that.
import { useEffect, useRef, type RefObject } from 'react';

/** Calls `frame(i)` every `ms` (three times slower under prefers-reduced-motion) while mounted. */
function useSteps<T extends HTMLElement>(steps: number, ms: number, frame: (el: T, i: number) => void) {
  const ref = useRef<T>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const calm = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
    let i = 0;
    frame(el, i);
    const id = setInterval(() => frame(el, (i = (i + 1) % steps)), calm ? ms * 3 : ms);
    return () => clearInterval(id);
    // `frame` is a module-level function in every caller: the effect runs once per mount.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [steps, ms]);
  return ref as RefObject<T>;
}

const SPIN_STEPS = 8;
const turn = (el: HTMLElement, i: number) => {
  el.style.transform = `rotate(${(i * 360) / SPIN_STEPS}deg)`;
};

/** The spinning ring (CSS `.spinner`), turned an eighth at a time, 8 times a second. */
export function Spinner({ small }: { small?: boolean }) {
  const ref = useSteps<HTMLSpanElement>(SPIN_STEPS, 125, turn);
  return <span ref={ref} className={`spinner${small ? ' spinner--small' : ''}`} aria-hidden="true" />;
}

const SLIDE_STEPS = 12;
const slide = (el: HTMLElement, i: number) => {
  // The bar (35 % wide) enters from the left and leaves on the right: -100 % … 286 % of its width.
  el.style.transform = `translateX(${-100 + (i * 386) / (SLIDE_STEPS - 1)}%)`;
};

/** The bar of an indeterminate progress bar (CSS `.progress__bar`), sliding in 12 steps a second. */
export function SlidingBar() {
  const ref = useSteps<HTMLDivElement>(SLIDE_STEPS, 100, slide);
  return <div ref={ref} className="progress__bar" />;
}
