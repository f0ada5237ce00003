// Opening an IndexedDB database so that its object stores are there, whatever state it is in.
//
// `indexedDB.open(name)` without a version, from anyone on this origin (a devtools snippet, an
// extension, a test, an older build) creates an empty version 1 of a database that does not
// exist yet. Opening it again at version 1 would never run our upgrade, and every transaction
// would then fail with NotFoundError. So: open at whatever version exists, create missing stores,
// and when some are missing from an existing database, bump its version once to create them.

import { openDB, type IDBPDatabase } from 'idb';

/** Store name → how to create it (keyPath, indexes). */
export type StoreMakers = Record<string, (db: IDBPDatabase<unknown>) => void>;

export async function openWithStores<DB = unknown>(
  name: string,
  stores: StoreMakers,
  /** Called when we close the connection because a newer version wants the database. */
  onClosed?: () => void,
): Promise<IDBPDatabase<DB>> {
  const names = Object.keys(stores);
  const missing = (d: IDBPDatabase<unknown>) => names.filter((s) => !d.objectStoreNames.contains(s));
  const upgrade = (d: IDBPDatabase<unknown>) => {
    for (const s of missing(d)) stores[s](d);
  };
  let version: number | undefined;
  for (;;) {
    const d: IDBPDatabase<unknown> = await openDB(name, version, {
      upgrade,
      // A newer version (another tab, or our own repair below) wants the database: let it have it.
      blocking: () => {
        d.close();
        onClosed?.();
      },
    });
    if (missing(d).length === 0) return d as unknown as IDBPDatabase<DB>;
    if (version !== undefined) {
      d.close();
      throw new DOMException(
        `IndexedDB "${name}" still lacks ${missing(d).join(', ')} after an upgrade.`,
        'InvalidStateError',
      );
    }
    version = d.version + 1;
    d.close();
  }
}
