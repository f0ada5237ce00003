// Adapter: snapshot listeners hear of changes at most once per `ms` (a batch changes the queue
// far more often than anyone can see).

export interface Notifier<S> {
  subscribe(l: (s: S) => void): () => void;
  /** Something changed: listeners hear of it within `ms`. */
  changed(): void;
  close(): void;
}

export function coalescingNotifier<S>(snapshot: () => S, ms: number): Notifier<S> {
  const listeners = new Set<(s: S) => void>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = -Infinity;
  let closed = false;
  const emit = () => {
    timer = undefined;
    last = performance.now();
    const s = snapshot();
    for (const l of listeners) {
      try {
        l(s);
      } catch (err) {
        console.error(err);
      }
    }
  };
  return {
    subscribe(l) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    changed() {
      if (timer !== undefined || closed) return;
      timer = setTimeout(emit, Math.max(0, last + ms - performance.now()));
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
