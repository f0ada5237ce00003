// What a file really is, read from its first bytes, and how many pixels it declares — checked
// before any decoder allocates, so a renamed text file, an SVG or a decompression bomb is refused
// (or downsized) up front. The type comes from `file-type`; the dimensions from our own header
// parsers (PNG IHDR, JPEG SOF, GIF, WebP, BMP, HEIF/AVIF ispe), which need no Node built-ins.

import { fileTypeFromBuffer } from 'file-type/core';

export type ImageKind = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'heif' | 'bmp';

export interface Sniffed {
  /** A raster format we decode, or undefined when the bytes are something else. */
  kind?: ImageKind;
  /** Human description of what the bytes are ("an SVG drawing", "a PDF document", "text"). */
  what: string;
  /** MIME type when known. */
  mime?: string;
  svg?: boolean;
  /** Dimensions declared by the header (before EXIF orientation), when they could be read. */
  width?: number;
  height?: number;
  /** An animated GIF/WebP/APNG: only the first frame is used. */
  animated?: boolean;
}

/** Bytes read for type and header detection. JPEG headers can sit behind 64 KB EXIF/ICC segments. */
export const HEAD_BYTES = 512 * 1024;

const MIME_KIND: Record<string, ImageKind> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/apng': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/heic': 'heif',
  'image/heic-sequence': 'heif',
  'image/heif': 'heif',
  'image/heif-sequence': 'heif',
  'image/bmp': 'bmp',
};

const MIME_WHAT: Record<string, string> = {
  'application/pdf': 'a PDF document',
  'application/zip': 'a ZIP archive',
  'image/tiff': 'a TIFF image',
  'image/vnd.adobe.photoshop': 'a Photoshop document',
  'image/x-icon': 'an icon file',
  'image/jxl': 'a JPEG XL image',
  'image/x-canon-cr2': 'a camera raw file',
  'image/x-nikon-nef': 'a camera raw file',
  'image/x-sony-arw': 'a camera raw file',
  'image/x-adobe-dng': 'a camera raw file',
  'image/x-fujifilm-raf': 'a camera raw file',
  'image/x-olympus-orf': 'a camera raw file',
  'image/x-panasonic-rw2': 'a camera raw file',
  'video/mp4': 'a video',
  'video/quicktime': 'a video',
};

export async function sniff(blob: Blob): Promise<Sniffed> {
  const head = new Uint8Array(await blob.slice(0, HEAD_BYTES).arrayBuffer());
  return sniffBytes(head);
}

/** Sniff from the first bytes of a file (at least 4 KB; HEAD_BYTES for reliable JPEG sizes). */
export async function sniffBytes(head: Uint8Array): Promise<Sniffed> {
  if (isSvg(head)) return { what: 'an SVG drawing', mime: 'image/svg+xml', svg: true };
  // ISO-BMFF brands decide HEIC vs AVIF more precisely than a single MIME type (an AVIF may carry
  // the generic `mif1` major brand; a HEIC may carry only `mif1` + `heic`).
  const brands = ftypBrands(head);
  let kind: ImageKind | undefined;
  let mime: string | undefined;
  if (brands) {
    if (brands.some((b) => b === 'avif' || b === 'avis')) kind = 'avif';
    else if (
      brands.some((b) => ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1', 'mif2'].includes(b))
    )
      kind = 'heif';
    if (kind) mime = kind === 'avif' ? 'image/avif' : 'image/heic';
  }
  if (!kind) {
    let ft: { mime: string } | undefined;
    try {
      ft = await fileTypeFromBuffer(head);
    } catch {
      ft = undefined;
    }
    mime = ft?.mime;
    kind = mime ? MIME_KIND[mime] : undefined;
    // file-type needs a few more bytes than a tiny valid BMP/GIF may have; check the magic ourselves.
    if (!kind) kind = magicKind(head);
  }
  if (!kind) {
    const what =
      (mime && MIME_WHAT[mime]) ??
      (mime ? `a ${mime} file` : looksLikeText(head) ? 'text' : 'not a recognised image');
    return { what, mime };
  }
  const dims = headerSize(kind, head);
  return {
    kind,
    mime: mime ?? `image/${kind}`,
    what: `a ${kind.toUpperCase()} image`,
    width: dims?.width,
    height: dims?.height,
    animated: dims?.animated,
  };
}

function magicKind(b: Uint8Array): ImageKind | undefined {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 6 && ascii(b, 0, 4) === 'GIF8') return 'gif';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  if (b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d && [12, 40, 52, 56, 108, 124].includes(u32le(b, 14)))
    return 'bmp';
  return undefined;
}

function ascii(b: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = at; i < at + n && i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}
const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number) =>
  ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const u32le = (b: Uint8Array, i: number) =>
  (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
const i32le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);

/** SVG by content: optional BOM, whitespace, XML declaration, comments or doctype, then `<svg`. */
export function isSvg(b: Uint8Array): boolean {
  let text = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(0, 4096));
  text = text.replace(/^\uFEFF/, '').trimStart();
  if (!text.startsWith('<')) return false;
  // Skip the prolog: <?xml …?>, <!-- … -->, <!DOCTYPE …>.
  for (;;) {
    const m = /^(<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>)\s*/i.exec(text);
    if (!m) break;
    text = text.slice(m[0].length);
  }
  return /^<svg[\s>:]/i.test(text) || /^<[a-z0-9_-]+:svg[\s>]/i.test(text);
}

function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 1024);
  if (n === 0) return false;
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 128) printable++;
    else if (c === 0) return false;
  }
  return printable / n > 0.95;
}

function ftypBrands(b: Uint8Array): string[] | undefined {
  if (b.length < 16 || ascii(b, 4, 4) !== 'ftyp') return undefined;
  const size = Math.min(u32be(b, 0), b.length);
  const brands = [ascii(b, 8, 4)];
  for (let i = 16; i + 4 <= size; i += 4) brands.push(ascii(b, i, 4));
  return brands;
}

interface HeaderSize {
  width: number;
  height: number;
  animated?: boolean;
}

/** Dimensions declared by the header, without decoding. Undefined when the header is cut short. */
export function headerSize(kind: ImageKind, b: Uint8Array): HeaderSize | undefined {
  switch (kind) {
    case 'png':
      return pngSize(b);
    case 'jpeg':
      return jpegSize(b);
    case 'gif':
      if (b.length < 10) return undefined;
      return { width: u16le(b, 6), height: u16le(b, 8), animated: gifIsAnimated(b) };
    case 'webp':
      return webpSize(b);
    case 'bmp': {
      if (b.length < 26) return undefined;
      if (u32le(b, 14) === 12) return { width: u16le(b, 18), height: u16le(b, 20) };
      return { width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)) };
    }
    case 'avif':
    case 'heif':
      return ispeSize(b);
  }
}

/** A PNG's IHDR (the first chunk): size and pixel layout. The one PNG header parser in the project. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colourType: number;
  interlace: number;
}

/** Reads the IHDR of a PNG's first bytes (the signature is the caller's to check: see sniffBytes);
 * undefined when they are cut short or the first chunk is not IHDR. */
export function pngHeader(b: Uint8Array): PngHeader | undefined {
  if (b.length < 24 || ascii(b, 12, 4) !== 'IHDR') return undefined;
  const at = (i: number) => (i < b.length ? b[i] : 0);
  return {
    width: u32be(b, 16),
    height: u32be(b, 20),
    bitDepth: at(24),
    colourType: at(25),
    interlace: at(28),
  };
}

function pngSize(b: Uint8Array): HeaderSize | undefined {
  const ihdr = pngHeader(b);
  if (!ihdr) return undefined;
  // An animation control chunk before the first IDAT means APNG.
  let animated = false;
  for (let i = 8; i + 8 <= b.length;) {
    const len = u32be(b, i);
    const type = ascii(b, i + 4, 4);
    if (type === 'acTL') animated = true;
    if (type === 'IDAT' || type === 'IEND') break;
    i += 12 + len;
  }
  return { width: ihdr.width, height: ihdr.height, animated };
}

function jpegSize(b: Uint8Array): HeaderSize | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const len = u16be(b, i + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: u16be(b, i + 5), width: u16be(b, i + 7) };
    }
    if (marker === 0xda || marker === 0xd9) return undefined;
    i += 2 + len;
  }
  return undefined;
}

function webpSize(b: Uint8Array): HeaderSize | undefined {
  if (b.length < 30) return undefined;
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8X') {
    const flags = b[20];
    return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1, animated: (flags & 0x02) !== 0 };
  }
  if (chunk === 'VP8 ') {
    // Frame tag (3 bytes) + start code 9d 01 2a, then 14-bit width and height.
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return undefined;
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) return undefined;
    const bits = u32le(b, 21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return undefined;
}

/**
 * HEIF/AVIF: the largest `ispe` (image spatial extent) property — the primary image or its grid.
 * An upper bound: encoders code whole blocks and crop with `clap`, and rotation is applied later.
 */
function ispeSize(b: Uint8Array): HeaderSize | undefined {
  let best: HeaderSize | undefined;
  for (let i = 4; i + 16 <= b.length; i++) {
    if (
      b[i] === 0x69 &&
      b[i + 1] === 0x73 &&
      b[i + 2] === 0x70 &&
      b[i + 3] === 0x65 &&
      u32be(b, i - 4) === 20
    ) {
      const width = u32be(b, i + 8);
      const height = u32be(b, i + 12);
      if (!best || width * height > best.width * best.height) best = { width, height };
    }
  }
  return best;
}

/** More than one image descriptor (0x2C) after the header means an animation. */
function gifIsAnimated(b: Uint8Array): boolean {
  if (b.length < 13) return false;
  let i = 13;
  if (b[10] & 0x80) i += 3 * (1 << ((b[10] & 7) + 1));
  let frames = 0;
  let looping = false;
  while (i < b.length) {
    const block = b[i];
    if (block === 0x2c) {
      frames++;
      if (frames > 1) return true;
      if (i + 10 > b.length) return false;
      const flags = b[i + 9];
      i += 10;
      if (flags & 0x80) i += 3 * (1 << ((flags & 7) + 1));
      i++; // LZW minimum code size
      i = skipSubBlocks(b, i);
    } else if (block === 0x21) {
      if (b[i + 1] === 0xff && ascii(b, i + 3, 11) === 'NETSCAPE2.0') looping = true;
      i = skipSubBlocks(b, i + 2);
    } else {
      return false; // trailer (0x3b) or garbage
    }
  }
  // Ran out of header bytes inside a large first frame: a looping extension means an animation.
  return looping;
}

function skipSubBlocks(b: Uint8Array, i: number): number {
  while (i < b.length && b[i] !== 0) i += b[i] + 1;
  return i + 1;
}
