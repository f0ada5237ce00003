// ZIP export of done results. client-zip writes the archive as a stream while an async generator
// reads one result at a time from IndexedDB, so the archive never sits in memory as a whole.

import { downloadZip } from 'client-zip';
import { JingjieError } from '../../shared/errors';

export interface ZipEntry {
  name: string;
  /** Reads the file only when the archive reaches it. */
  read(): Promise<Blob | undefined>;
  lastModified?: number;
}

/** A ZIP of the entries as a byte stream; entries whose blob is gone are skipped. */
export function zipStream(entries: Iterable<ZipEntry> | AsyncIterable<ZipEntry>): ReadableStream<Uint8Array> {
  async function* files() {
    for await (const e of entries) {
      const blob = await e.read();
      if (!blob) continue;
      yield {
        name: e.name,
        input: blob,
        lastModified: e.lastModified ? new Date(e.lastModified) : undefined,
      };
    }
  }
  const body = downloadZip(files(), { buffersAreUTF8: true }).body;
  if (!body) throw new JingjieError('RuntimeFailed', 'Could not create the ZIP stream.');
  return body;
}

interface SaveFilePickerWindow {
  showSaveFilePicker?: (opts: {
    suggestedName?: string;
    types?: { description: string; accept: Record<string, string[]> }[];
  }) => Promise<{ createWritable(): Promise<WritableStream<Uint8Array>> }>;
}

export type SaveTarget = 'picker' | 'blob';

/**
 * Asks where to save BEFORE any other await so the click's user activation is still valid.
 * Returns a writer that streams to disk (File System Access) or, without that API, buffers the
 * archive into a Blob (the browser keeps big Blobs outside the JS heap and may spill them to
 * disk) and clicks a download link.
 */
export async function openZipSink(fileName: string): Promise<{
  target: SaveTarget;
  write(stream: ReadableStream<Uint8Array>): Promise<void>;
}> {
  const w = (typeof window === 'undefined' ? undefined : window) as
    (Window & SaveFilePickerWindow) | undefined;
  if (w?.showSaveFilePicker) {
    let handle;
    try {
      handle = await w.showSaveFilePicker({
        suggestedName: fileName,
        types: [{ description: 'ZIP archive', accept: { 'application/zip': ['.zip'] } }],
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError')
        throw new JingjieError('AbortError', 'Cancelled');
      // SecurityError (no user activation, cross-origin frame): fall through to a plain download.
      handle = undefined;
    }
    if (handle) {
      const writable = await handle.createWritable();
      return { target: 'picker', write: (s) => s.pipeTo(writable) };
    }
  }
  return {
    target: 'blob',
    async write(stream) {
      const blob = await new Response(stream, { headers: { 'Content-Type': 'application/zip' } }).blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      a.rel = 'noopener';
      document.body.append(a);
      a.click();
      a.remove();
      // Revoking at once can cancel the download in some browsers; a minute is plenty to start it.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    },
  };
}

export function zipFileName(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `jingjie-nobg-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}.zip`;
}
