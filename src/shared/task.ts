// A queued image as stored and shown: the record the queue, its IndexedDB store and the UI share.
import type { WireError } from './errors';
import type { Backend, ResultNote, StageTimings } from './types';

export type TaskState = 'queued' | 'processing' | 'done' | 'failed' | 'cancelled';

export interface TaskResultInfo {
  width: number;
  height: number;
  bytes: number;
  backend: Backend;
  variant: string;
  timings: StageTimings;
  /** Results stored by older versions may carry an English sentence here; new ones use `notes`. */
  notice?: string;
  /** Size of the photo before any downsizing (absent in results stored by older versions). */
  originalWidth?: number;
  originalHeight?: number;
  notes?: ResultNote[];
  /** Where the 100% edge check looks (see RemoveResult.edgeFocus). */
  edgeFocus?: { x: number; y: number };
  /** How many refine brush strokes the stored cut-out carries (absent: the model's result). */
  edits?: number;
  /** When the brush edits were last saved or reverted (names the stored cut-out's version). */
  editedAt?: number;
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
