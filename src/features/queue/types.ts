// Contract of the batch queue (issue 5): the UI renders snapshots and calls these methods;
// the queue owns persistence (IndexedDB) and feeds the engine one task at a time.

import type { WireError } from '../../shared/errors';
import type { Backend, ResultNote, StageTimings } from '../../shared/types';

export type TaskState = 'queued' | 'processing' | 'done' | 'failed' | 'cancelled';

export interface TaskResultInfo {
  width: number;
  height: number;
  bytes: number;
  backend: Backend;
  variant: string;
  timings: StageTimings;
  notice?: string;
  /** Size of the photo before any downsizing (absent in results stored by older versions). */
  originalWidth?: number;
  originalHeight?: number;
  notes?: ResultNote[];
  /** Where the 100% edge check looks (see RemoveResult.edgeFocus). */
  edgeFocus?: { x: number; y: number };
}

export interface Task {
  id: string;
  /** Original file name (or a generated one for pasted images). */
  name: string;
  size: number;
  type: string;
  createdAt: number;
  /** Submission order; tasks run in this order. */
  seq: number;
  state: TaskState;
  error?: WireError;
  result?: TaskResultInfo;
  finishedAt?: number;
}

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
  paused: boolean;
  stats: QueueStats;
  /** Set when new images are refused (quota exceeded) — a message for the user. */
  blockedReason?: string;
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
  remove(id: string): Promise<void>;
  clearAll(): Promise<void>;
  pause(): void;
  resume(): void;
  original(id: string): Promise<Blob | undefined>;
  /** Transparent PNG of a done task. */
  result(id: string): Promise<Blob | undefined>;
  /** 8-bit grayscale PNG mask of a done task. */
  mask(id: string): Promise<Blob | undefined>;
  /** File name a task's result is saved under: `photo.jpg` → `photo-nobg.png`. */
  resultName(task: Task, ext?: string): string;
  /** Stream done results (all, or the given ids) into one ZIP download. */
  exportZip(ids?: string[], opts?: ZipOptions): Promise<void>;
  storage(): Promise<StorageInfo>;
}
