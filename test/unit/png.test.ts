// The straight-alpha PNG encoder round-trips exact values, including colours under low alpha.
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { encodePng } from '../../workers/pipeline/png';

async function roundTrip(px: Uint8ClampedArray, w: number, h: number, colour: 'rgba' | 'gray') {
  const blob = await encodePng(px, w, h, colour);
  const png = PNG.sync.read(Buffer.from(await blob.arrayBuffer()));
  return png;
}

describe('encodePng', () => {
  it('round-trips RGBA exactly, including faint pixels canvas would quantise', async () => {
    const w = 37;
    const h = 23;
    const px = new Uint8ClampedArray(w * h * 4);
    let s = 1;
    for (let i = 0; i < px.length; i++) px[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    px.set([201, 77, 13, 1], 0); // alpha 1: premultiplied storage would lose the colour
    const png = await roundTrip(px, w, h, 'rgba');
    expect([png.width, png.height]).toEqual([w, h]);
    expect(Buffer.from(png.data).equals(Buffer.from(px))).toBe(true);
  });
  it('writes 8-bit grayscale masks', async () => {
    const mask = new Uint8ClampedArray([0, 64, 128, 255, 1, 2]);
    const png = await roundTrip(mask, 3, 2, 'gray');
    const r = Array.from({ length: 6 }, (_, i) => png.data[i * 4]);
    expect(r).toEqual(Array.from(mask));
  });
  it('handles images taller than one filter band', async () => {
    const w = 1500;
    const h = 900; // > 1 MiB of rows per band
    const px = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < px.length; i++) px[i] = (i * 7) & 255;
    const png = await roundTrip(px, w, h, 'rgba');
    expect(Buffer.from(png.data).equals(Buffer.from(px))).toBe(true);
  });
});
