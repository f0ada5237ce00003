// A straight-alpha PNG encoder. Canvas encoders premultiply alpha on the way through, which
// quantises the colours of faint hair pixels (whatwg/html#5365); this one writes exact values.
// Deflate runs natively through CompressionStream; rows use the Sub filter.

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const b of parts) for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  const t = new TextEncoder().encode(type);
  out.set(t, 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32([t, data]));
  return out;
}

export type PngColour = 'rgba' | 'gray';

/** Encode 8-bit RGBA (or one-channel gray) pixels into a PNG Blob. */
export async function encodePng(
  pixels: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  colour: PngColour = 'rgba',
): Promise<Blob> {
  const bpp = colour === 'rgba' ? 4 : 1;
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colour === 'rgba' ? 6 : 0; // colour type
  // compression, filter, interlace: 0

  const stream = new CompressionStream('deflate');
  const writer = stream.writable.getWriter();
  const idat: Uint8Array[] = [];
  const reading = (async () => {
    const reader = stream.readable.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      idat.push(chunk('IDAT', value));
    }
  })();

  const stride = width * bpp;
  // Filter a band of rows at a time: big enough to amortise stream overhead, small in memory.
  const rowsPerBand = Math.max(1, Math.floor((1 << 20) / (stride + 1)));
  for (let y0 = 0; y0 < height; y0 += rowsPerBand) {
    const rows = Math.min(rowsPerBand, height - y0);
    const band = new Uint8Array(rows * (stride + 1));
    for (let r = 0; r < rows; r++) {
      const src = (y0 + r) * stride;
      const dst = r * (stride + 1);
      band[dst] = 1; // Sub
      for (let i = 0; i < bpp; i++) band[dst + 1 + i] = pixels[src + i];
      for (let i = bpp; i < stride; i++) band[dst + 1 + i] = pixels[src + i] - pixels[src + i - bpp];
    }
    await writer.write(band);
  }
  await writer.close();
  await reading;

  const sig = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
  return new Blob(
    [sig, chunk('IHDR', ihdr), ...idat, chunk('IEND', new Uint8Array(0))] as Uint8Array<ArrayBuffer>[],
    {
      type: 'image/png',
    },
  );
}
