// Blobs as IndexedDB values, with a fallback for the engines that refuse to store them: WebKit
// without a disk-backed blob store (WebKitGTK's automation session, older Safari private windows)
// fails every put of a Blob with "Error preparing Blob/File data to be stored in object store".
// There the bytes are stored instead, with their type, and read back as a Blob.

/** What a Blob is stored as: itself, or its bytes where the engine cannot store Blobs. */
export type StoredBlob = Blob | { bytes: ArrayBuffer; type: string };

export function isBytes(v: StoredBlob): v is { bytes: ArrayBuffer; type: string } {
  return !(v instanceof Blob) && typeof v === 'object' && v !== null && v.bytes instanceof ArrayBuffer;
}

/** The Blob a stored value stands for. */
export function fromStored(v: StoredBlob): Blob;
export function fromStored(v: StoredBlob | undefined): Blob | undefined;
export function fromStored(v: StoredBlob | undefined): Blob | undefined {
  if (v === undefined) return undefined;
  return isBytes(v) ? new Blob([v.bytes], { type: v.type }) : v;
}

/** `blob` as this database stores it (`asBytes`: the engine refused a Blob at open). */
export async function toStored(blob: Blob, asBytes: boolean): Promise<StoredBlob> {
  return asBytes ? { bytes: await blob.arrayBuffer(), type: blob.type } : blob;
}

/**
 * Whether this database can hold a Blob: one tiny put and delete in `store` (a key-value store).
 * Only a failed put says no; a database that cannot be written at all fails elsewhere, as before.
 */
export async function canStoreBlobs(
  put: (v: Blob) => Promise<unknown>,
  remove: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await put(new Blob([new Uint8Array([1])], { type: 'application/octet-stream' }));
  } catch {
    return false;
  }
  await remove().catch(() => undefined);
  return true;
}
