// Files whose picture is whole but whose end is missing: a JPEG without its end-of-image marker, a
// PNG without IEND (or its last chunk's CRC). Chromium's <img> shows them; createImageBitmap and
// ImageDecoder refuse them. `restoreEnd` adds the missing end so the browser's decoder opens them;
// `cutShort` says whether a file ends before its format says it should (for the error message).

import type { ImageKind } from './sniff';

const u32be = (b: Uint8Array, i: number) =>
  ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const u32le = (b: Uint8Array, i: number) =>
  (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
const type4 = (b: Uint8Array, i: number) => String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3]);

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const JPEG_EOI = Uint8Array.of(0xff, 0xd9);
const PNG_IEND = Uint8Array.of(0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82);

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

interface PngWalk {
  /** Offset just after the last chunk whose length, type, data and CRC are all in the file. */
  whole: number;
  /** The chunk after it, when the file ends inside it: where it starts and whether its data is all there. */
  cut?: { at: number; dataWhole: boolean };
  iend: boolean;
}

function walkPng(b: Uint8Array): PngWalk {
  let i = 8;
  while (i + 8 <= b.length) {
    const len = u32be(b, i);
    if (type4(b, i + 4) === 'IEND') return { whole: i, iend: true };
    if (i + 12 + len > b.length)
      return { whole: i, cut: { at: i, dataWhole: i + 8 + len <= b.length }, iend: false };
    i += 12 + len;
  }
  return { whole: i, iend: false };
}

/**
 * The file with its missing end restored, or undefined when nothing is missing or the loss is more
 * than the end (a PNG cut inside a chunk's data: the picture itself is short). The decoder still
 * decides: a JPEG cut inside its scan decodes with the missing blocks blank (see `blankEdge`).
 */
export function restoreEnd(kind: ImageKind | undefined, b: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  if (kind === 'jpeg')
    return typeof jpegFirstScan(b) === 'number' && cutShort(kind, b) ? concat(b, JPEG_EOI) : undefined;
  if (kind === 'png') {
    const w = walkPng(b);
    if (w.iend) return undefined;
    if (!w.cut) return concat(b.subarray(0, w.whole), PNG_IEND);
    if (!w.cut.dataWhole) return undefined;
    // Every byte of the last chunk's data is here, only (part of) its CRC is not: write it.
    const end = w.cut.at + 8 + u32be(b, w.cut.at);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, crc32(b.subarray(w.cut.at + 4, end)));
    return concat(b.subarray(0, end), crc, PNG_IEND);
  }
  return undefined;
}

/** Whether the file ends before its format's own structure says it does. */
export function cutShort(kind: ImageKind | undefined, b: Uint8Array): boolean {
  switch (kind) {
    case 'jpeg': {
      // The end-of-image marker after the first scan starts (an EXIF thumbnail has its own before
      // it); bytes after it are not a loss.
      const sos = jpegFirstScan(b);
      if (sos === 'bad') return false; // corrupt rather than short: cannot tell
      return sos === 'end' || lastIndexOf(b, JPEG_EOI) < sos;
    }
    case 'png':
      return !walkPng(b).iend;
    case 'gif':
      return b.length === 0 || b[b.length - 1] !== 0x3b;
    case 'webp':
      return b.length < 12 || u32le(b, 4) + 8 > b.length;
    case 'bmp':
      return b.length < 6 || u32le(b, 2) > b.length;
    case 'avif':
    case 'heif': {
      // Top-level ISO-BMFF boxes: the last one must end within the file.
      let i = 0;
      while (i + 8 <= b.length) {
        let size = u32be(b, i);
        if (size === 1 && i + 16 <= b.length) size = u32be(b, i + 8) * 2 ** 32 + u32be(b, i + 12);
        if (size === 0) return false; // runs to the end of the file by definition
        if (size < 8) return false; // not a box structure we can judge
        i += size;
      }
      return i > b.length;
    }
    default:
      return false;
  }
}

/**
 * Offset of a JPEG's first start-of-scan marker, found by segment lengths; `end` when the segments
 * run past the end of the file first, `bad` when a length leads off the marker structure.
 */
function jpegFirstScan(b: Uint8Array): number | 'end' | 'bad' {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return 'bad';
    const m = b[i + 1];
    if (m === 0xda) return i;
    if (m === 0xff) i += 1;
    else if (m === 0x01 || m === 0xd8 || (m >= 0xd0 && m <= 0xd7)) i += 2;
    else i += 2 + ((b[i + 2] << 8) | b[i + 3]);
  }
  return 'end';
}

function lastIndexOf(b: Uint8Array, pat: Uint8Array): number {
  outer: for (let i = b.length - pat.length; i >= 0; i--) {
    for (let k = 0; k < pat.length; k++) if (b[i + k] !== pat[k]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Whether one of a decoded picture's outer lines (its top and bottom rows, left and right columns
 * after EXIF rotation, each as RGBA) is wholly the flat mid-grey libjpeg gives blocks it had no
 * data for. With its end restored, a JPEG cut inside its scan decodes with such a band where its
 * last rows should be; Chromium's <img> shows that part empty. One partly decoded row of blocks,
 * which <img> also holds back from a JPEG that lacks only its end marker, leaves no whole grey line.
 */
export function blankEdge(lines: readonly Uint8ClampedArray[]): boolean {
  return lines.some((l) => {
    for (let p = 0; p < l.length; p += 4)
      if (Math.abs(l[p] - 128) > 2 || Math.abs(l[p + 1] - 128) > 2 || Math.abs(l[p + 2] - 128) > 2)
        return false;
    return l.length > 0;
  });
}
