// Imported models in the model store (fake-indexeddb): bytes and record land together, are
// listed while their bytes are there, and go together; bytes a bundled variant shares are kept.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { deleteImported, listImported, readCache, storeImported } from '../../workers/model-store';
import type { ModelVariant } from '../../src/shared/types';

const variant = (sha: string, name: string): ModelVariant => ({
  id: `imported-${sha.slice(0, 16)}`,
  name,
  file: '',
  bytes: 4,
  sha256: sha,
  source: 'imported file',
  licence: 'unknown',
  backends: ['wasm'],
  inputName: 'input',
  outputName: 'output',
  imported: { fileName: name, importedAt: 1, verified: false },
});

describe('imported models in IndexedDB', () => {
  it('stores, lists, reads and removes them', async () => {
    const a = variant('a'.repeat(64), 'b.onnx');
    const b = variant('b'.repeat(64), 'a.onnx');
    await storeImported(a, new Uint8Array([1, 2, 3, 4]));
    await storeImported(b, new Uint8Array([5, 6, 7, 8]));
    expect((await listImported()).map((v) => v.name)).toEqual(['a.onnx', 'b.onnx']);
    expect([...((await readCache(a)) ?? [])]).toEqual([1, 2, 3, 4]);

    expect((await deleteImported(a.id, () => false))?.id).toBe(a.id);
    expect(await readCache(a)).toBeUndefined();
    expect((await listImported()).map((v) => v.id)).toEqual([b.id]);
    expect(await deleteImported(a.id, () => false)).toBeUndefined();

    // The same bytes as a bundled variant's cache: the record goes, the bytes stay.
    expect(await deleteImported(b.id, (sha) => sha === b.sha256)).toBeDefined();
    expect(await listImported()).toEqual([]);
    expect(await readCache(b)).toBeDefined();
  });
});
