// Records per object store of one of the page's IndexedDB databases, read in the page: what the
// app really stored (queue tasks, originals, results; models). A database that does not exist
// counts 0 everywhere (it is not created by asking), a missing store 0, a failed count -1.
import type { Page } from '@playwright/test';

export function countRecords<S extends string>(
  page: Page,
  dbName: string,
  stores: readonly S[],
): Promise<Record<S, number>> {
  return page.evaluate(
    async ({ dbName, stores }) => {
      const out: Record<string, number> = Object.fromEntries(stores.map((s) => [s, 0]));
      if (!(await indexedDB.databases()).some((d) => d.name === dbName)) return out;
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open(dbName);
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error ?? new Error('indexedDB.open failed'));
      });
      for (const s of stores) {
        if (!db.objectStoreNames.contains(s)) continue;
        out[s] = await new Promise<number>((res) => {
          const r = db.transaction(s).objectStore(s).count();
          r.onsuccess = () => res(r.result);
          r.onerror = () => res(-1);
        });
      }
      db.close();
      return out;
    },
    { dbName, stores: [...stores] },
  );
}
