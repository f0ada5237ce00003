// Contract of the batch queue (issue 5): the UI renders snapshots and calls these methods;
// the queue owns persistence (IndexedDB) and feeds the engine one task at a time.

import type { WireError } from '../../shared/errors';
import type { Task } from '../../shared/task';
import type { RemoveProgress } from '../../shared/types';
import type { BrushStroke } from '../../shared/brush';

export type { Task, TaskResultInfo, TaskState } from '../../shared/task';

/**
 * Why the queue is not running (issue 12). The runner runs while the set is empty. Each reason has
 * one owner that adds it and one way out:
 * - `user`: pause() adds it, resume() lifts it.
 * - `halted`: the engine cannot run at all (model download failed, the engine keeps failing);
 *   retryEngine() lifts it.
 * - `quota`: a write did not fit in storage; it lifts by itself once a check finds space again
 *   (after remove() or clearAll(), on add(), or recheckStorage()).
 * - `otherTab`: another tab runs the queue; it lifts when that tab closes (this tab takes over).
 * - `disposed`: dispose(); final.
 */
export type StopReason = 'user' | 'halted' | 'quota' | 'otherTab' | 'disposed';

/** The stop reasons in the order the UI lists them (most actionable first). */
export const STOP_REASONS: readonly StopReason[] = ['halted', 'quota', 'otherTab', 'user', 'disposed'];

export interface QueueStats {
  total: number;
  done: number;
  failed: number;
  cancelled: number;
  queued: number;
  /** Images per minute over the recent window, 0 when unknown. */
  perMinute: number;
  /** Estimated milliseconds left for queued work, undefined when unknown. */
  etaMs?: number;
}

export interface QueueSnapshot {
  tasks: Task[];
  /** The `user` stop reason is set (kept for callers that only know pause/resume). */
  paused: boolean;
  /** Every reason the queue is stopped, in STOP_REASONS order; empty while it runs. */
  stops: StopReason[];
  /** With the `halted` stop: what the engine failed with. */
  halted?: WireError;
  /** With the `quota` stop: the usage and quota measured when it was set (bytes), when known. */
  storage?: { usage: number; quota: number };
  /** The long stage the processing task is in, once the engine reports one (never stored). */
  progress?: { id: string; code: RemoveProgress };
  stats: QueueStats;
}

export interface StorageInfo {
  usage: number;
  quota: number;
  persisted: boolean;
}

/** Turns each stored cut-out into the file the ZIP holds (an output preset), one at a time. */
export interface ZipRender {
  /** Extension of every entry (`photo-nobg.<ext>`). */
  ext: string;
  apply(png: Blob, task: Task): Promise<Blob>;
}

export interface ZipOptions {
  fileName?: string;
  render?: ZipRender;
}

export interface QueueApi {
  /** Persist the originals and enqueue them; resolves with the new tasks. */
  add(files: File[]): Promise<Task[]>;
  subscribe(listener: (s: QueueSnapshot) => void): () => void;
  snapshot(): QueueSnapshot;
  cancel(id: string): Promise<void>;
  retry(id: string): Promise<void>;
  /** Delete a task, its original and its result. */
  remove(id: string): Promise<void>;
  /** Delete every task (the UI asks first, naming how many go). */
  clearAll(): Promise<void>;
  /** Adds the `user` stop. */
  pause(): void;
  /** Lifts the `user` stop. */
  resume(): void;
  /** Lifts the `halted` stop: the engine is tried again with the task it stopped on. */
  retryEngine(): void;
  /** Measures storage again and lifts the `quota` stop when there is room. */
  recheckStorage(): Promise<void>;
  original(id: string): Promise<Blob | undefined>;
  /** Transparent PNG of a done task. */
  result(id: string): Promise<Blob | undefined>;
  /** 8-bit grayscale PNG mask of a done task. */
  mask(id: string): Promise<Blob | undefined>;
  /** The refine brush's strokes of a done task and the model's unedited cut-out they apply to. */
  edits(id: string): Promise<{ strokes: BrushStroke[]; cutout: Blob } | undefined>;
  /**
   * Store refine brush edits: the edited cut-out and mask (from `engine.applyEdits`) become the
   * task's result, with the strokes and the unedited cut-out kept beside them, in one transaction.
   * No strokes: back to the model's result. Rejects with StorageUnavailable when the task is gone.
   */
  saveEdits(id: string, strokes: BrushStroke[], edited?: { png: Blob; mask: Blob }): Promise<void>;
  /** File name a task's result is saved under: `photo.jpg` → `photo-nobg.png` (`photo-mask.png` for the mask). */
  resultName(task: Task, ext?: string, kind?: 'nobg' | 'mask'): string;
  /** Stream done results (all, or the given ids) into one ZIP download. */
  exportZip(ids?: string[], opts?: ZipOptions): Promise<void>;
  storage(): Promise<StorageInfo>;
}
