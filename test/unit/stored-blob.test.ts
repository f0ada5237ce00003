// The queue's database where the engine cannot store a Blob (WebKitGTK's automation session, older
// Safari private windows: "Error preparing Blob/File data to be stored in object store"): the
// bytes are stored instead, and every read gives the same Blobs back.
import 'fake-indexeddb/auto';
import { IDBObjectStore as FakeStore } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQueueStore, type StoredResult } from '../../src/storage/queue-db';
import type { Task } from '../../src/shared/task';

const hasBlob = (v: unknown): boolean =>
  v instanceof Blob || (typeof v === 'object' && v !== null && Object.values(v).some(hasBlob));

const task = (id: string, state: Task['state']): Task => ({
  id,
  name: `${id}.png`,
  seq: Number(id.slice(1)),
  size: 3,
  type: 'image/png',
  createdAt: 1,
  state,
});
const blob = (text: string, type = 'image/png') => new Blob([text], { type });

let n = 0;
describe.each([
  ['an engine that stores Blobs', false],
  ['an engine that refuses Blobs', true],
])('queue database in %s', (_, refuse) => {
  const put = FakeStore.prototype.put;
  beforeEach(() => {
    if (refuse)
      FakeStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
        if (hasBlob(value))
          throw new DOMException(
            'Error preparing Blob/File data to be stored in object store',
            'UnknownError',
          );
        return put.call(this, value, key);
      };
  });
  afterEach(() => void (FakeStore.prototype.put = put));

  it('gives back the original, the result and an edited result as Blobs', async () => {
    const store = await openQueueStore(`stored-blob-${++n}`);
    await store.addTask(task('t1', 'queued'), blob('orig', 'image/jpeg'));
    const original = (await store.original('t1'))!;
    expect(original).toBeInstanceOf(Blob);
    expect([original.type, await original.text()]).toEqual(['image/jpeg', 'orig']);

    const result: StoredResult = { png: blob('png'), mask: blob('mask') };
    await store.finishTask(task('t1', 'done'), result);
    const r = (await store.result('t1'))!;
    expect([await r.png.text(), await r.mask!.text(), r.png.type]).toEqual(['png', 'mask', 'image/png']);

    const edited = await store.updateResult('t1', (t, old) => ({
      task: { ...t, name: 'edited.png' },
      result: {
        png: blob('png2'),
        mask: blob('mask2'),
        edits: [],
        unedited: { png: old.png, mask: old.mask },
      },
    }));
    expect(edited?.name).toBe('edited.png');
    const e = (await store.result('t1'))!;
    expect([await e.png.text(), await e.mask!.text()]).toEqual(['png2', 'mask2']);
    expect([await e.unedited!.png.text(), await e.unedited!.mask!.text()]).toEqual(['png', 'mask']);
    // A task that is not done is not updated.
    await store.addTask(task('t2', 'queued'), blob('o2'));
    expect(await store.updateResult('t2', (t, old) => ({ task: t, result: old }))).toBeUndefined();
    store.close();
  });
});
