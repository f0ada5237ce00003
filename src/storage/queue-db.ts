// IndexedDB schema and stores of the batch queue: task records, originals and results live in
// separate object stores, and every write that must be all-or-nothing is one transaction.

import type { DBSchema, IDBPDatabase } from 'idb';
import { openWithStores } from '../shared/open-db';
import type { Task } from '../shared/task';
import type { BrushStroke } from '../shared/brush';
import { canStoreBlobs, fromStored, toStored, type StoredBlob } from './stored-blob';

export const QUEUE_DB_NAME = 'jingjie-queue';

export interface StoredResult {
  /** Transparent PNG: what every export reads (the edited cut-out when there are brush edits). */
  png: Blob;
  /** 8-bit grayscale PNG mask (edited with `png`). */
  mask?: Blob;
  /** Refine brush strokes (issue 14) that made `png` and `mask` from `unedited`. */
  edits?: BrushStroke[];
  /** The model's own cut-out and mask, kept while there are edits so they can be revised or reverted. */
  unedited?: { png: Blob; mask?: Blob };
}

/** A StoredResult as written: each Blob possibly as its bytes (src/storage/stored-blob.ts). */
interface ResultRecord {
  png: StoredBlob;
  mask?: StoredBlob;
  edits?: BrushStroke[];
  unedited?: { png: StoredBlob; mask?: StoredBlob };
}

interface QueueDb extends DBSchema {
  tasks: { key: string; value: Task; indexes: { seq: number } };
  originals: { key: string; value: StoredBlob };
  results: { key: string; value: ResultRecord };
  meta: { key: string; value: unknown };
}

export type QueueDbHandle = IDBPDatabase<QueueDb>;

export interface QueueStore {
  /** All task records in submission order, read in pages so no single read holds the thread long. */
  loadTasks(onPage?: (page: Task[]) => void): Promise<Task[]>;
  /** A new task and its original, both or neither. */
  addTask(task: Task, original: Blob): Promise<void>;
  /** Update a task record alone (state changes). */
  putTask(task: Task): Promise<void>;
  /** Several task records in one transaction (startup recovery). */
  putTasks(tasks: Task[]): Promise<void>;
  /** A finished task: its result and its `done` record, both or neither. */
  finishTask(task: Task, result: StoredResult): Promise<void>;
  /**
   * Replace a done task's result by what `make` builds from the stored one, and its record, in one
   * transaction (read and write). Undefined, and nothing written, when the task or its result is gone.
   */
  updateResult(
    id: string,
    make: (task: Task, result: StoredResult) => { task: Task; result: StoredResult },
  ): Promise<Task | undefined>;
  /** A task, its original and its result, in one transaction. */
  deleteTask(id: string): Promise<void>;
  clear(): Promise<void>;
  original(id: string): Promise<Blob | undefined>;
  result(id: string): Promise<StoredResult | undefined>;
  getMeta<T>(key: string): Promise<T | undefined>;
  setMeta(key: string, value: unknown): Promise<void>;
  close(): void;
}

const PAGE = 500;

async function toRecord(r: StoredResult, asBytes: boolean): Promise<ResultRecord> {
  const store = (b: Blob | undefined) => (b ? toStored(b, asBytes) : Promise.resolve(undefined));
  const [png, mask, uPng, uMask] = await Promise.all(
    [r.png, r.mask, r.unedited?.png, r.unedited?.mask].map(store),
  );
  return {
    ...r,
    png: png!,
    ...(mask ? { mask } : {}),
    ...(r.unedited ? { unedited: { png: uPng!, ...(uMask ? { mask: uMask } : {}) } } : {}),
  };
}

function fromRecord(r: ResultRecord): StoredResult {
  const { png, mask, unedited, ...rest } = r;
  return {
    ...rest,
    png: fromStored(png),
    ...(mask ? { mask: fromStored(mask) } : {}),
    ...(unedited
      ? {
          unedited: {
            png: fromStored(unedited.png),
            ...(unedited.mask ? { mask: fromStored(unedited.mask) } : {}),
          },
        }
      : {}),
  };
}

/**
 * Waits for every request AND the transaction's end, then reports the transaction's own error:
 * a failing write aborts its siblings with AbortError, but the cause (QuotaExceededError) is on
 * the transaction.
 */
async function commit(
  tx: { done: Promise<void>; error: DOMException | null },
  requests: Promise<unknown>[],
): Promise<void> {
  const settled = await Promise.allSettled([...requests, tx.done]);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw tx.error ?? failed.reason;
}

/** Opens (and creates or upgrades) the queue database. Throws what indexedDB throws. */
export async function openQueueStore(name = QUEUE_DB_NAME): Promise<QueueStore> {
  const db = await openWithStores<QueueDb>(name, {
    tasks: (d) => d.createObjectStore('tasks', { keyPath: 'id' }).createIndex('seq', 'seq', { unique: true }),
    originals: (d) => d.createObjectStore('originals'),
    results: (d) => d.createObjectStore('results'),
    meta: (d) => d.createObjectStore('meta'),
  });
  // Where the engine cannot store a Blob, every Blob is written as its bytes (read back as Blobs).
  const asBytes = !(await canStoreBlobs(
    (v) => db.put('meta', v, 'blob-probe'),
    () => db.delete('meta', 'blob-probe'),
  ));

  /**
   * updateResult where Blobs are stored as bytes: reading them is async, which would end a
   * transaction, so the new record is built between a read and a write transaction, and written
   * only if the task is still the done task that was read.
   */
  async function updateAsBytes(
    id: string,
    make: (task: Task, result: StoredResult) => { task: Task; result: StoredResult },
  ): Promise<Task | undefined> {
    const [task, result] = await Promise.all([db.get('tasks', id), db.get('results', id)]);
    if (!task || !result || task.state !== 'done') return undefined;
    const next = make(task, fromRecord(result));
    const record = await toRecord(next.result, true);
    const tx = db.transaction(['tasks', 'results'], 'readwrite');
    const now = await tx.objectStore('tasks').get(id);
    if (!now || now.state !== 'done' || now.seq !== task.seq) {
      await tx.done;
      return undefined;
    }
    await commit(tx, [tx.objectStore('results').put(record, id), tx.objectStore('tasks').put(next.task)]);
    return next.task;
  }

  return {
    async loadTasks(onPage) {
      const all: Task[] = [];
      let after: number | undefined;
      for (;;) {
        const range = after === undefined ? undefined : IDBKeyRange.lowerBound(after, true);
        const page = await db.getAllFromIndex('tasks', 'seq', range, PAGE);
        if (page.length === 0) break;
        for (const t of page) all.push(t);
        onPage?.(page);
        after = page[page.length - 1].seq;
        if (page.length < PAGE) break;
      }
      return all;
    },
    async addTask(task, original) {
      const value = await toStored(original, asBytes);
      const tx = db.transaction(['tasks', 'originals'], 'readwrite');
      await commit(tx, [tx.objectStore('originals').put(value, task.id), tx.objectStore('tasks').put(task)]);
    },
    async putTask(task) {
      await db.put('tasks', task);
    },
    async putTasks(tasks) {
      const tx = db.transaction('tasks', 'readwrite');
      await commit(
        tx,
        tasks.map((t) => tx.store.put(t)),
      );
    },
    async finishTask(task, result) {
      const record = await toRecord(result, asBytes);
      const tx = db.transaction(['tasks', 'results'], 'readwrite');
      await commit(tx, [tx.objectStore('results').put(record, task.id), tx.objectStore('tasks').put(task)]);
    },
    async updateResult(id, make) {
      if (asBytes) return updateAsBytes(id, make);
      const tx = db.transaction(['tasks', 'results'], 'readwrite');
      const tasks = tx.objectStore('tasks'),
        results = tx.objectStore('results');
      // No other await inside the transaction: it stays open from the reads to the writes.
      const [task, result] = await Promise.all([tasks.get(id), results.get(id)]);
      if (!task || !result || task.state !== 'done') {
        await tx.done;
        return undefined;
      }
      const next = make(task, fromRecord(result));
      await commit(tx, [results.put(next.result, id), tasks.put(next.task)]);
      return next.task;
    },
    async deleteTask(id) {
      const tx = db.transaction(['tasks', 'originals', 'results'], 'readwrite');
      await commit(tx, [
        tx.objectStore('tasks').delete(id),
        tx.objectStore('originals').delete(id),
        tx.objectStore('results').delete(id),
      ]);
    },
    async clear() {
      const tx = db.transaction(['tasks', 'originals', 'results'], 'readwrite');
      await commit(tx, [
        tx.objectStore('tasks').clear(),
        tx.objectStore('originals').clear(),
        tx.objectStore('results').clear(),
      ]);
    },
    original: async (id) => fromStored(await db.get('originals', id)),
    result: async (id) => {
      const r = await db.get('results', id);
      return r && fromRecord(r);
    },
    getMeta: async <T>(key: string) => (await db.get('meta', key)) as T | undefined,
    async setMeta(key, value) {
      await db.put('meta', value, key);
    },
    close: () => db.close(),
  };
}
