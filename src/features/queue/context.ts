// What the queue's adapters (runner.ts, add.ts, export.ts, edits.ts) share: the pure core's state,
// the store, and the few effects every change needs (tell the listeners, save the task). queue.ts
// builds one context and hands it to each adapter; none of them keeps state of its own beyond
// what its own I/O needs.

import type { Engine } from '../../engine';
import type { RemoveOptions } from '../../shared/types';
import type { ResultNamer } from '../../shared/names';
import type { QueueStore } from '../../storage/queue-db';
import type { StorageEstimateLike } from '../../storage/quota';
import type { CoreState } from './core';
import type { Task } from './types';

export interface QueueOptions {
  /** IndexedDB database name (tests use their own). */
  dbName?: string;
  /** Usage and quota; default `navigator.storage.estimate()`. */
  estimate?: () => Promise<StorageEstimateLike | undefined>;
  /** Share of the quota above which new images are refused (default 0.95). */
  quotaThreshold?: number;
  /** Longest wait between a change and the snapshot listeners hearing of it (default 100 ms). */
  notifyMs?: number;
  /** Passed to every `engine.removeBackground` call; `maskPng` is always on. */
  removeOptions?: RemoveOptions;
  /** Ask for persistent storage on the first `add` (default true). */
  persist?: boolean;
  /** Only one tab runs the queue, through a Web Lock (default: when `navigator.locks` exists). */
  lock?: boolean;
}

export interface QueueContext {
  readonly s: CoreState;
  readonly namer: ResultNamer;
  readonly engine: Engine;
  readonly opts: QueueOptions;
  /** Bumped by clearAll: adds and pre-checks still in flight from before it are ignored. */
  generation: number;
  /** The open store; rejects with StorageUnavailable when it could not open or the queue closed. */
  storeReady(): Promise<QueueStore>;
  /** The listeners hear of a change (coalesced). */
  changed(): void;
  /** Save a task's record (its state), in the background. */
  persist(t: Task | undefined): void;
  /** Patch a task in the core, save it and tell the listeners. */
  update(id: string, patch: Partial<Task>): Task | undefined;
  /** Wake `whenIdle()` callers when nothing is left to run. */
  settleIdle(): void;
  /** The quota gate: stop until space is freed / check whether it is. */
  stopForQuota(): void;
  recheckStorage(): Promise<void>;
  estimate(): Promise<StorageEstimateLike | undefined>;
  /** Share of the quota above which new images are refused. */
  readonly threshold: number;
}
