// Restoring a missing end (workers/pipeline/repair.ts): what is added, what is left alone, and how a
// file cut short is told from a whole one, on real encoder output cut with the damage corpus's knife.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { blankEdge, cutShort, restoreEnd } from '../../workers/pipeline/repair';

const W = 40;
const H = 24;
const px = Buffer.alloc(W * H * 3);
for (let i = 0; i < px.length; i++) px[i] = (i * 7) & 255;
const img = () => sharp(px, { raw: { width: W, height: H, channels: 3 } });
const u8 = (b: Buffer | Uint8Array) => new Uint8Array(b);
const tail = (b: Uint8Array, n: number) => Array.from(b.subarray(b.length - n));

describe('restoreEnd: JPEG', () => {
  it('adds the end-of-image marker a JPEG lacks, and nothing to a whole one', async () => {
    const j = u8(await img().jpeg().withMetadata({ orientation: 6 }).toBuffer());
    expect(restoreEnd('jpeg', j)).toBeUndefined();
    expect(cutShort('jpeg', j)).toBe(false);
    const noEoi = j.subarray(0, j.length - 2);
    expect(cutShort('jpeg', noEoi)).toBe(true);
    expect(Array.from(restoreEnd('jpeg', noEoi)!)).toEqual(Array.from(j));
    // Bytes after the marker are not a loss.
    const trailing = u8(Buffer.concat([j, Buffer.from('junk')]));
    expect(cutShort('jpeg', trailing)).toBe(false);
    expect(restoreEnd('jpeg', trailing)).toBeUndefined();
  });

  it('leaves a JPEG cut before its scan, or with a broken segment length, as it is', async () => {
    const j = await img().jpeg().toBuffer();
    const headers = u8(j.subarray(0, j.indexOf(Buffer.from([0xff, 0xc4])) + 10));
    expect(restoreEnd('jpeg', headers)).toBeUndefined();
    expect(cutShort('jpeg', headers)).toBe(true);
    const bad = Buffer.from(j);
    const app0 = bad.indexOf(Buffer.from([0xff, 0xe0]));
    bad.writeUInt16BE(bad.readUInt16BE(app0 + 2) + 3, app0 + 2);
    expect(cutShort('jpeg', u8(bad.subarray(0, bad.length - 2)))).toBe(false); // corrupt, not short
    expect(restoreEnd('jpeg', u8(bad.subarray(0, bad.length - 2)))).toBeUndefined();
  });
});

describe('restoreEnd: PNG', () => {
  it('adds IEND, and the CRC of a last chunk whose data is whole', async () => {
    const p = u8(await img().png().toBuffer());
    expect(restoreEnd('png', p)).toBeUndefined();
    const noIend = p.subarray(0, p.length - 12);
    expect(cutShort('png', noIend)).toBe(true);
    expect(Array.from(restoreEnd('png', noIend)!)).toEqual(Array.from(p));
    const noCrc = p.subarray(0, p.length - 12 - 4);
    expect(Array.from(restoreEnd('png', noCrc)!)).toEqual(Array.from(p));
    // Cut inside IEND's own length and type: the end is written whole.
    expect(tail(restoreEnd('png', p.subarray(0, p.length - 10))!, 12)).toEqual(tail(p, 12));
  });

  it('does not invent image data: a PNG cut inside a chunk is left as it is', async () => {
    const p = u8(await img().png().toBuffer());
    const idat = Buffer.from(p).indexOf('IDAT');
    const cut = p.subarray(0, idat + 10);
    expect(cutShort('png', cut)).toBe(true);
    expect(restoreEnd('png', cut)).toBeUndefined();
  });
});

describe('cutShort: other formats', () => {
  it('WebP, GIF and AVIF by their own lengths and trailers', async () => {
    for (const [kind, b] of [
      ['webp', await img().webp().toBuffer()],
      ['gif', await img().gif().toBuffer()],
      ['avif', await img().avif().toBuffer()],
    ] as const) {
      expect(cutShort(kind, u8(b)), kind).toBe(false);
      expect(cutShort(kind, u8(b.subarray(0, Math.floor(b.length * 0.8)))), kind).toBe(true);
      expect(restoreEnd(kind, u8(b.subarray(0, b.length - 1)))).toBeUndefined();
    }
  });
});

describe('blankEdge', () => {
  const line = (n: number, rgb: [number, number, number]) => {
    const l = new Uint8ClampedArray(n * 4);
    for (let i = 0; i < n; i++) l.set([...rgb, 255], i * 4);
    return l;
  };
  it('finds a whole line of the grey libjpeg gives blocks it had no data for', () => {
    expect(blankEdge([line(8, [10, 20, 30]), line(8, [128, 128, 128])])).toBe(true);
    expect(blankEdge([line(8, [10, 20, 30]), line(8, [129, 127, 128])])).toBe(true);
  });
  it('a line partly grey, or another flat colour, is not blank', () => {
    const partly = line(8, [128, 128, 128]);
    partly.set([200, 0, 0, 255], 12);
    expect(blankEdge([partly, line(8, [255, 255, 255]), line(8, [120, 120, 120])])).toBe(false);
    expect(blankEdge([])).toBe(false);
  });
});
