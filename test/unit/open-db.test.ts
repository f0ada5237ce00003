// openWithStores: a database someone created empty (indexedDB.open(name) with no version) is
// repaired, a healthy one is opened as is, and a newer version is never blocked by us.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDB, type IDBPDatabase } from 'idb';
import { openWithStores } from '../../src/shared/open-db';

const models = { models: (d: IDBPDatabase<unknown>) => d.createObjectStore('models', { keyPath: 'sha256' }) };
let n = 0;
const fresh = () => `open-db-test-${n++}`;

function rawOpen(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('open failed'));
  });
}

describe('openWithStores', () => {
  it('creates a new database at version 1 with its stores', async () => {
    const db = await openWithStores(fresh(), models);
    expect(db.version).toBe(1);
    expect([...db.objectStoreNames]).toEqual(['models']);
    db.close();
  });

  it('repairs a database created empty by a versionless open, one version up', async () => {
    const name = fresh();
    const empty = await rawOpen(name);
    expect(empty.version).toBe(1);
    expect(empty.objectStoreNames.length).toBe(0);
    empty.close();
    const db = await openWithStores(name, models);
    expect(db.version).toBe(2);
    await db.put('models', { sha256: 'abc', bytes: 3 });
    db.close();
    // And the repaired database opens as it is afterwards, data intact.
    const again = await openWithStores(name, models);
    expect(again.version).toBe(2);
    expect(await again.get('models', 'abc')).toEqual({ sha256: 'abc', bytes: 3 });
    again.close();
  });

  it('repairs even while the empty connection is still open elsewhere, once it closes', async () => {
    const name = fresh();
    const other = await rawOpen(name);
    other.onversionchange = () => other.close();
    const db = await openWithStores(name, models);
    expect(db.objectStoreNames.contains('models')).toBe(true);
    db.close();
  });

  it('adds only the missing stores of a partly created database', async () => {
    const name = fresh();
    const partial = await openDB(name, 3, { upgrade: (d) => void d.createObjectStore('a') });
    await partial.put('a', 1, 'k');
    partial.close();
    const db = await openWithStores(name, {
      a: (d) => d.createObjectStore('a'),
      b: (d) => d.createObjectStore('b'),
    });
    expect(db.version).toBe(4);
    expect(await db.get('a', 'k')).toBe(1);
    expect(db.objectStoreNames.contains('b')).toBe(true);
    db.close();
  });

  it('closes for a newer version instead of blocking it, and says so', async () => {
    const name = fresh();
    let closed = 0;
    const db = await openWithStores(name, models, () => closed++);
    const newer = await openDB(name, db.version + 1);
    expect(closed).toBe(1);
    newer.close();
  });
});
