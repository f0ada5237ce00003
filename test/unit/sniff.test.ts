// Type and header-size sniffing (workers/pipeline/sniff.ts) on real encoder output and hand-made headers.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { headerSize, isSvg, sniffBytes } from '../../workers/pipeline/sniff';

const W = 37;
const H = 23;
const pixels = Buffer.alloc(W * H * 3, 120);
const img = () => sharp(pixels, { raw: { width: W, height: H, channels: 3 } });

describe('sniff: real encoder output', () => {
  it.each([
    ['jpeg', () => img().jpeg().toBuffer()],
    ['jpeg', () => img().jpeg({ progressive: true }).withMetadata({ orientation: 6 }).toBuffer()],
    ['png', () => img().png().toBuffer()],
    ['png', () => img().png({ palette: true }).toBuffer()],
    ['webp', () => img().webp({ quality: 80 }).toBuffer()],
    ['webp', () => img().webp({ lossless: true }).toBuffer()],
    ['webp', () => img().ensureAlpha().webp({ quality: 80, alphaQuality: 50 }).toBuffer()],
    ['avif', () => img().avif().toBuffer()],
    ['gif', () => img().gif().toBuffer()],
  ] as const)('%s', async (kind, make) => {
    const s = await sniffBytes(new Uint8Array(await make()));
    expect(s.kind).toBe(kind);
    // Header sizes are the stored ones (EXIF orientation is applied by the decoder later).
    expect([s.width, s.height]).toEqual([W, H]);
    expect(s.animated ?? false).toBe(false);
  });

  it('HEIC (committed sample) by its ftyp brands and ispe', async () => {
    const b = readFileSync(join(import.meta.dirname, '../fixtures/corpus/orientation-6.heic'));
    const s = await sniffBytes(new Uint8Array(b));
    expect(s.kind).toBe('heif');
    // x265 codes whole 64-pixel blocks and crops with `clap`: the largest declared extent is an
    // upper bound near the real 32×48 (6144 = 64×96 here), which is what the pixel limit needs.
    expect(s.width! * s.height!).toBeGreaterThanOrEqual(32 * 48);
    expect(s.width! * s.height!).toBeLessThanOrEqual(128 * 128);
  });

  it('animated GIF', async () => {
    const frames = Buffer.alloc(W * H * 2 * 4, 90);
    frames.fill(200, 0, W * H * 4);
    const gif = await sharp(frames, { raw: { width: W, height: H * 2, channels: 4, pageHeight: H } })
      .gif({ loop: 0 })
      .toBuffer();
    const s = await sniffBytes(new Uint8Array(gif));
    expect(s).toMatchObject({ kind: 'gif', width: W, height: H, animated: true });
  });
});

describe('sniff: not images', () => {
  it('text, HTML, PDF, empty', async () => {
    expect((await sniffBytes(new TextEncoder().encode('hello world\n'.repeat(50)))).kind).toBeUndefined();
    expect((await sniffBytes(new TextEncoder().encode('hello world\n'))).what).toBe('text');
    expect((await sniffBytes(new TextEncoder().encode('<!doctype html><html></html>'))).kind).toBeUndefined();
    expect(await sniffBytes(new TextEncoder().encode('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'))).toMatchObject({
      what: 'a PDF document',
    });
    expect((await sniffBytes(new Uint8Array(0))).kind).toBeUndefined();
  });

  it('SVG by content, with or without prolog', () => {
    const yes = [
      '<svg xmlns="http://www.w3.org/2000/svg"/>',
      '\uFEFF  <?xml version="1.0"?>\n<!-- made by hand -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n<svg width="1">',
      '<?xml version="1.0"?><svg:svg xmlns:svg="http://www.w3.org/2000/svg">',
    ];
    for (const s of yes) expect(isSvg(new TextEncoder().encode(s)), s).toBe(true);
    for (const s of ['<html><svg></svg></html>', 'svg', '<svgfoo>'])
      expect(isSvg(new TextEncoder().encode(s)), s).toBe(false);
  });

  it('TIFF is an image we do not decode', async () => {
    const s = await sniffBytes(new Uint8Array(await img().tiff().toBuffer()));
    expect(s.kind).toBeUndefined();
    expect(s.mime).toBe('image/tiff');
  });
});

describe('headerSize: declared sizes of bombs', () => {
  it('PNG IHDR', () => {
    const b = new Uint8Array(33);
    b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    new DataView(b.buffer).setUint32(16, 100_000);
    new DataView(b.buffer).setUint32(20, 100_000);
    expect(headerSize('png', b)).toMatchObject({ width: 100_000, height: 100_000 });
  });
  it('JPEG SOF after an APP segment', () => {
    const b = Uint8Array.from([
      0xff, 0xd8, 0xff, 0xe0, 0, 4, 1, 2, 0xff, 0xc2, 0, 17, 8, 0xfd, 0xe8, 0xfe, 0x4c, 3, 1, 0x11, 0, 2,
      0x11, 1, 3, 0x11, 1,
    ]);
    expect(headerSize('jpeg', b)).toEqual({ width: 65100, height: 65000 });
  });
  it('GIF, BMP (top-down), WebP VP8X', () => {
    expect(
      headerSize('gif', Uint8Array.from([...Buffer.from('GIF89a'), 0xff, 0xff, 0x10, 0x00, 0, 0, 0])),
    ).toMatchObject({ width: 65535, height: 16 });
    const bmp = new Uint8Array(54);
    const dv = new DataView(bmp.buffer);
    bmp.set([0x42, 0x4d]);
    dv.setUint32(14, 40, true);
    dv.setInt32(18, 30000, true);
    dv.setInt32(22, -20000, true);
    expect(headerSize('bmp', bmp)).toEqual({ width: 30000, height: 20000 });
    const webp = new Uint8Array(30);
    webp.set(Buffer.from('RIFF\x16\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00', 'latin1'));
    webp.set([0xff, 0x3f, 0x00, 0xff, 0x3f, 0x00], 24);
    expect(headerSize('webp', webp)).toMatchObject({ width: 16384, height: 16384 });
  });
  it('a cut-short header gives no size rather than a wrong one', () => {
    expect(headerSize('png', new Uint8Array(10))).toBeUndefined();
    expect(headerSize('jpeg', Uint8Array.from([0xff, 0xd8, 0xff, 0xe1, 0x40, 0]))).toBeUndefined();
  });
});
