// Adapter: the Web Lock that lets one tab run the queue. The queue adds the `otherTab` stop when
// `tryAcquire` says no and lifts it in `onTakeOver`, which runs once the other tab lets go.

export interface TabLock {
  /** Takes the lock if it is free (true), or says another tab holds it (false). */
  tryAcquire(): Promise<boolean>;
  /** Waits for the other tab to let go, then holds the lock and calls `onTakeOver`. */
  waitFor(onTakeOver: () => Promise<void>): void;
  release(): void;
}

/** A lock that is always this tab's (no `navigator.locks`, or locking turned off). */
export const NO_LOCK: TabLock = {
  tryAcquire: () => Promise.resolve(true),
  waitFor: () => undefined,
  release: () => undefined,
};

export function webTabLock(name: string): TabLock {
  let releaseHeld: (() => void) | undefined;
  let released = false;
  const hold = () => new Promise<void>((r) => (releaseHeld = r));
  return {
    tryAcquire: () =>
      new Promise((resolve) => {
        navigator.locks
          .request(name, { ifAvailable: true }, (lock) => {
            if (!lock) {
              resolve(false);
              return undefined;
            }
            resolve(true);
            return hold();
          })
          .catch(() => resolve(true)); // Locks unusable (opaque origin): run without.
      }),
    waitFor(onTakeOver) {
      void navigator.locks
        .request(name, async () => {
          if (released) return;
          await onTakeOver();
          await hold();
        })
        .catch(() => undefined);
    },
    release() {
      released = true;
      releaseHeld?.();
    },
  };
}
