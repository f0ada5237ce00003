// Resuming a run: an output counts as done only when it is whole (its format's end is there), and
// outputs are written under a temporary name and renamed, so a run killed mid-write never leaves
// a half file that looks complete. Pure checks on bytes plus two small file helpers.

import fs from 'node:fs/promises';
import path from 'node:path';
import type { FormatId } from '../src/shared/formats';

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** A PNG's last chunk: IEND, empty, with its fixed CRC. */
const PNG_IEND = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) =>
  b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
const ascii = (b: Uint8Array, at: number, s: string) =>
  startsWith(
    b,
    [...s].map((c) => c.charCodeAt(0)),
    at,
  );

/**
 * Whether `bytes` are a whole file of `format`: PNG signature … IEND; JPEG SOI … EOI; a RIFF/WEBP
 * whose declared size is the file's. What the writer produces always passes; a cut one never does.
 */
export function isComplete(bytes: Uint8Array, format: FormatId): boolean {
  switch (format) {
    case 'png':
      return startsWith(bytes, PNG_SIG) && startsWith(bytes, PNG_IEND, bytes.length - PNG_IEND.length);
    case 'jpeg':
      return (
        bytes.length >= 4 &&
        bytes[0] === 0xff &&
        bytes[1] === 0xd8 &&
        bytes[bytes.length - 2] === 0xff &&
        bytes[bytes.length - 1] === 0xd9
      );
    case 'webp': {
      if (bytes.length < 12 || !ascii(bytes, 0, 'RIFF') || !ascii(bytes, 8, 'WEBP')) return false;
      const size = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24)) >>> 0;
      return size + 8 === bytes.length;
    }
  }
}

/** The output at `file` exists and is whole: a later run skips it. */
export async function isDone(file: string, format: FormatId): Promise<boolean> {
  try {
    return isComplete(await fs.readFile(file), format);
  } catch {
    return false;
  }
}

/** Temporary name beside the output: hidden, and never an output name (those end in `.<ext>`). */
export function partialName(file: string, pid = process.pid): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${pid}.partial`);
}

/** Write the whole file under a temporary name, then rename it into place (atomic on one filesystem). */
export async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = partialName(file);
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
