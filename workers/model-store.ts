// Model bytes: fetched once with byte progress, hashed (sha256) as they arrive and checked against
// the manifest's size and hash, kept in IndexedDB keyed by that hash, and read back from there on
// every later load. The bytes land once, in one buffer of the promised size, which is what the
// session is created from; storing them runs alongside the session start.

import type { IDBPDatabase } from 'idb';
import { openWithStores } from '../src/shared/open-db';
import { JingjieError, asJingjieError } from '../src/shared/errors';
import type { ModelManifest, ModelVariant, StorageCode } from '../src/shared/types';
import { sha256Stream } from './sha256-stream';

const DB_NAME = 'jingjie-models';
const STORE = 'models';
/** Models a person imported (issue 14): their ModelVariant, keyed by id; the bytes are in STORE. */
const IMPORTED = 'imported';

interface StoredModel {
  sha256: string;
  id: string;
  bytes: number;
  data: ArrayBuffer;
  storedAt: number;
}

export interface ModelBytes {
  data: Uint8Array;
  from: 'network' | 'indexeddb';
  /** A storage problem that did not stop us (private mode, quota). */
  storage?: StorageProblem;
  /**
   * Network bytes only: call to store them in IndexedDB (after the session has started, so the
   * write does not compete with it); resolves with the problem when they could not be stored.
   */
  store?: () => Promise<StorageProblem | undefined>;
}

export type ByteProgress = (loaded: number, total: number) => void;

let dbPromise: Promise<IDBPDatabase> | undefined;
function db(): Promise<IDBPDatabase> {
  dbPromise ??= open().catch((err: unknown) => {
    dbPromise = undefined; // let the next load try again
    throw err;
  });
  return dbPromise;
}

function open(): Promise<IDBPDatabase> {
  return openWithStores(
    DB_NAME,
    {
      [STORE]: (d) => d.createObjectStore(STORE, { keyPath: 'sha256' }),
      [IMPORTED]: (d) => d.createObjectStore(IMPORTED, { keyPath: 'id' }),
    },
    () => {
      dbPromise = undefined; // closed for a newer version: the next call opens afresh
    },
  );
}

export async function fetchManifest(baseUrl: string): Promise<ModelManifest> {
  let res: Response;
  try {
    res = await fetch(new URL('models.json', baseUrl), { cache: 'no-cache' });
  } catch (err) {
    throw new JingjieError(
      'ModelDownloadFailed',
      `The model list could not be fetched: ${(err as Error).message}`,
    );
  }
  if (!res.ok)
    throw new JingjieError(
      'ModelDownloadFailed',
      `The model list could not be fetched (HTTP ${res.status}).`,
    );
  return (await res.json()) as ModelManifest;
}

export { sha256Hex } from './sha256-stream';

/** Downloaded bytes and their sha256, computed chunk by chunk while they arrived. */
interface Downloaded {
  data: Uint8Array;
  sha256: string;
}

/** No byte for this long ends a download attempt; the next one resumes where it stopped. */
export const STALL_MS = 30_000;
/** Resumes after a stall or a dropped connection before the download fails. */
const MAX_RESUMES = 3;

/** Where a 206 answer starts (`Content-Range: bytes a-b/n`); undefined when absent or malformed. */
function rangeStart(res: Response): number | undefined {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('Content-Range') ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * The model file, hashed chunk by chunk as it arrives. A connection that delivers nothing for
 * `stallMs`, or drops, is abandoned and the download resumes from the last byte with a Range
 * request (from the start when the server ignores Range), up to MAX_RESUMES times: a stalled
 * transfer (a flaky network, a proxy that stops forwarding) no longer leaves the progress bar
 * stuck for good.
 */
async function download(
  url: string,
  variant: ModelVariant,
  onProgress?: ByteProgress,
  reload = false,
  stallMs = STALL_MS,
): Promise<Downloaded> {
  const total = variant.bytes;
  // Preallocate the size the manifest promises; a larger body is an integrity failure, not a realloc.
  const buf = new Uint8Array(total);
  let loaded = 0;
  let hash = await sha256Stream();
  // Progress in steps of 0.5 % (and the last byte), not per chunk: 88 MB arrive in thousands of
  // chunks, and each report crossed to the page and re-rendered it beside the start-up's work.
  const step = Math.max(1, Math.floor(total / 200));
  let reported = 0;
  onProgress?.(0, total);
  const failed = (why: string, detail?: Record<string, string | number | boolean>) =>
    new JingjieError('ModelDownloadFailed', `Downloading ${variant.name} failed: ${why}`, detail);
  for (let resumes = 0; ; resumes++) {
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stalled = false;
    // Armed before each wait for the network; a wait that outlasts it aborts this attempt.
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        ctrl.abort();
      }, stallMs);
    };
    const from = loaded;
    let cut: string | undefined;
    try {
      arm();
      const res = await fetch(url, {
        cache: reload || from > 0 ? 'no-store' : 'default',
        signal: ctrl.signal,
        ...(from > 0 ? { headers: { Range: `bytes=${from}-` } } : {}),
      });
      if (from > 0 && res.status === 206 && rangeStart(res) !== from)
        throw failed(`the server resumed at the wrong byte (${res.headers.get('Content-Range')}).`);
      if (!res.ok || !res.body) throw failed(`HTTP ${res.status}.`, { status: res.status });
      if (from > 0 && res.status !== 206) {
        // The server sent the whole file again: start over.
        loaded = 0;
        reported = 0;
        hash = await sha256Stream();
        onProgress?.(0, total);
      }
      const reader = res.body.getReader();
      for (;;) {
        arm();
        const { done, value } = await reader.read();
        if (done) break;
        if (loaded + value.length > total) {
          await reader.cancel();
          throw new JingjieError(
            'ModelIntegrity',
            `${variant.name}: the server sent more than the expected ${total} bytes.`,
          );
        }
        buf.set(value, loaded);
        hash.update(value);
        loaded += value.length;
        if (loaded - reported >= step || loaded === total) onProgress?.((reported = loaded), total);
      }
    } catch (err) {
      if (err instanceof JingjieError) throw err;
      cut = stalled ? `no data for ${Math.round(stallMs / 1000)} s` : (err as Error).message;
    } finally {
      clearTimeout(timer);
    }
    if (cut === undefined && loaded === total) return { data: buf, sha256: hash.hex() };
    if (cut === undefined)
      throw new JingjieError('ModelIntegrity', `${variant.name}: received ${loaded} of ${total} bytes.`, {
        loaded,
        total,
      });
    if (resumes >= MAX_RESUMES)
      throw failed(`${cut} (after ${MAX_RESUMES} resumes, ${loaded} of ${total} bytes).`, {
        loaded,
        total,
        ...(stalled ? { stalled: true } : {}),
      });
  }
}

export async function readCache(variant: ModelVariant): Promise<Uint8Array | undefined> {
  const rec = (await (await db()).get(STORE, variant.sha256)) as StoredModel | undefined;
  if (!rec) return undefined;
  if (rec.data.byteLength !== variant.bytes) {
    await (await db()).delete(STORE, variant.sha256);
    return undefined;
  }
  return new Uint8Array(rec.data);
}

/** The IndexedDB record of a model's bytes, keyed by their sha256. */
function storedModel(variant: ModelVariant, data: Uint8Array): StoredModel {
  return {
    sha256: variant.sha256,
    id: variant.id,
    bytes: variant.bytes,
    data: data.buffer as ArrayBuffer,
    storedAt: Date.now(),
  };
}

async function writeCache(variant: ModelVariant, data: Uint8Array): Promise<void> {
  const d = await db();
  const rec = storedModel(variant, data);
  await d.put(STORE, rec);
  // Keep one copy per variant id: drop older hashes of the same id (a new model version).
  for (const key of await d.getAllKeys(STORE)) {
    if (key === variant.sha256) continue;
    const other = (await d.get(STORE, key)) as StoredModel | undefined;
    if (other?.id === variant.id) await d.delete(STORE, key);
  }
}

export async function deleteCached(sha256: string): Promise<void> {
  await (await db()).delete(STORE, sha256);
}

/** Why the model could not be kept: a code for the UI, and English words for developers. */
export interface StorageProblem {
  code: StorageCode;
  message: string;
}

function storageProblem(err: unknown): StorageProblem {
  const e = asJingjieError(err, 'StorageUnavailable');
  return e.name === 'QuotaExceeded'
    ? {
        code: 'quota',
        message:
          'The browser storage is full, so the model could not be saved for next time; it will be downloaded again on the next visit.',
      }
    : {
        code: 'unavailable',
        message: `The browser storage is unavailable (${err instanceof Error ? `${err.name}: ` : ''}${e.message}); the model works now but will be downloaded again on the next visit.`,
      };
}

/**
 * Model bytes for a variant: IndexedDB first, else the network (verified, then stored).
 * A hash mismatch refetches once bypassing the HTTP cache, then fails with ModelIntegrity.
 */
export async function loadModelBytes(
  baseUrl: string,
  variant: ModelVariant,
  opts: {
    onProgress?: ByteProgress;
    /** All bytes are in (from the network or IndexedDB). */
    onBytes?: () => void;
    /** The hash is being compared (network bytes only). */
    onVerify?: () => void;
    /** The bytes match the manifest's sha256 (network bytes only). */
    onVerified?: () => void;
    noCache?: boolean;
    /** Stall limit of a download attempt (tests shorten it). */
    stallMs?: number;
  } = {},
): Promise<ModelBytes> {
  let storage: StorageProblem | undefined;
  if (!opts.noCache) {
    try {
      const cached = await readCache(variant);
      if (cached) {
        opts.onBytes?.();
        return { data: cached, from: 'indexeddb' };
      }
    } catch (err) {
      storage = storageProblem(err);
    }
  }
  const url = new URL(variant.file, baseUrl).href;
  let data: Uint8Array | undefined;
  for (let attempt = 0; attempt < 2 && !data; attempt++) {
    let got: Downloaded;
    try {
      got = await download(url, variant, opts.onProgress, attempt > 0, opts.stallMs);
    } catch (err) {
      if (attempt === 0 && err instanceof JingjieError && err.name === 'ModelIntegrity') continue;
      throw err;
    }
    opts.onBytes?.();
    opts.onVerify?.();
    if (got.sha256 === variant.sha256) data = got.data;
    else if (!opts.noCache) await deleteCached(variant.sha256).catch(() => undefined);
  }
  if (!data)
    throw new JingjieError(
      'ModelIntegrity',
      `${variant.name}: the downloaded file does not match its checksum, twice. The server may be serving a broken or different file.`,
    );
  opts.onVerified?.();
  const verified = data;
  const store =
    !opts.noCache && !storage
      ? () =>
          writeCache(variant, verified).then(
            () => undefined,
            (err: unknown) => {
              console.warn(`[jingjie] ${variant.id} not stored in IndexedDB:`, err);
              return storageProblem(err);
            },
          )
      : undefined;
  return { data, from: 'network', storage, store };
}

/** The imported models whose bytes are still stored (storage the browser cleared drops out). */
export async function listImported(): Promise<ModelVariant[]> {
  const d = await db();
  const all = (await d.getAll(IMPORTED)) as ModelVariant[];
  const keys = new Set(await d.getAllKeys(STORE));
  return all.filter((v) => keys.has(v.sha256)).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Keeps an imported model: its bytes (unless the same bytes are stored already, e.g. a bundled
 * variant's) and its record, in one transaction, so that either both land or neither does.
 */
export async function storeImported(variant: ModelVariant, data: Uint8Array): Promise<void> {
  const d = await db();
  const tx = d.transaction([STORE, IMPORTED], 'readwrite');
  const bytes = tx.objectStore(STORE);
  const write = async () => {
    if ((await bytes.getKey(variant.sha256)) === undefined) {
      const rec = storedModel(variant, data);
      await bytes.put(rec);
    }
    await tx.objectStore(IMPORTED).put(variant);
  };
  await Promise.all([write(), tx.done]);
}

/**
 * Forgets an imported model: its record, and its bytes unless `keepBytes` (the same bytes are a
 * bundled variant's cache). Resolves with the removed variant, undefined when there was none.
 */
export async function deleteImported(
  id: string,
  keepBytes: (sha256: string) => boolean,
): Promise<ModelVariant | undefined> {
  const d = await db();
  const tx = d.transaction([STORE, IMPORTED], 'readwrite');
  const run = async () => {
    const v = (await tx.objectStore(IMPORTED).get(id)) as ModelVariant | undefined;
    if (!v) return undefined;
    await tx.objectStore(IMPORTED).delete(id);
    if (!keepBytes(v.sha256)) await tx.objectStore(STORE).delete(v.sha256);
    return v;
  };
  const [v] = await Promise.all([run(), tx.done]);
  return v;
}
