// HEIC/HEIF → RGBA with libheif (wasm, from the libheif-js package). Browsers other than Safari
// cannot decode HEIC, so the worker does it itself. The module (≈2 MB, wasm inlined, bundled by
// Vite into our own origin — no CDN) is imported only when a HEIC file arrives.
// libheif applies the file's irot/imir transforms while decoding, so orientation is done here
// exactly once; the returned size is the displayed (rotated) size.
// Every project that compiles this file (workers, tests) needs the bundle's ambient types.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./formats/libheif.d.ts" />

import { JingjieError } from '../../src/shared/errors';

interface HeifChannel {
  id: number;
  width: number;
  height: number;
  stride: number;
  data: Uint8Array;
}
interface HeifModule {
  HeifDecoder: new () => { decode(buf: Uint8Array): HeifImage[] };
  heif_js_decode_image2?: (
    handle: unknown,
    colorspace: unknown,
    chroma: unknown,
  ) => Promise<{ code?: number; channels: HeifChannel[]; image: unknown }>;
  heif_image_release?: (img: unknown) => void;
  heif_colorspace: { heif_colorspace_RGB: unknown };
  heif_chroma: { heif_chroma_interleaved_RGBA: unknown };
  heif_channel: { heif_channel_interleaved: number };
}
interface HeifImage {
  handle: unknown;
  get_width(): number;
  get_height(): number;
  is_primary(): boolean;
  has_alpha_channel(): boolean;
  free(): void;
}

let modulePromise: Promise<HeifModule> | undefined;

function loadLibheif(): Promise<HeifModule> {
  modulePromise ??= import('libheif-js/libheif-wasm/libheif-bundle.mjs')
    .then(async (m) => (await m.default()) as HeifModule)
    .catch((err: unknown) => {
      modulePromise = undefined;
      throw new JingjieError(
        'DecodeFailed',
        `The HEIC decoder could not be loaded (${(err as Error).message}).`,
      );
    });
  return modulePromise;
}

export interface HeicPixels {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  hasAlpha: boolean;
}

export async function decodeHeic(bytes: Uint8Array): Promise<HeicPixels> {
  const lib = await loadLibheif();
  const images = new lib.HeifDecoder().decode(bytes);
  if (!images.length)
    throw new JingjieError(
      'DecodeFailed',
      'The HEIC file holds no image libheif could read; it may be truncated or corrupt.',
    );
  const img = images.find((i) => i.is_primary()) ?? images[0];
  try {
    const hasAlpha = img.has_alpha_channel();
    if (lib.heif_js_decode_image2) {
      const res = await lib.heif_js_decode_image2(
        img.handle,
        lib.heif_colorspace.heif_colorspace_RGB,
        lib.heif_chroma.heif_chroma_interleaved_RGBA,
      );
      if (!res || res.code)
        throw new JingjieError(
          'DecodeFailed',
          'The HEIC image could not be decoded; the file may be truncated or corrupt.',
        );
      try {
        const ch = res.channels.find((c) => c.id === lib.heif_channel.heif_channel_interleaved);
        if (!ch) throw new JingjieError('DecodeFailed', 'The HEIC decoder returned no RGBA plane.');
        const { width, height, stride } = ch;
        const rgba = new Uint8ClampedArray(width * height * 4);
        if (stride === width * 4) rgba.set(ch.data.subarray(0, rgba.length));
        else
          for (let y = 0; y < height; y++)
            rgba.set(ch.data.subarray(y * stride, y * stride + width * 4), y * width * 4);
        return { rgba, width, height, hasAlpha };
      } finally {
        lib.heif_image_release?.(res.image);
      }
    }
    // Older builds: the documented display() path.
    const width = img.get_width();
    const height = img.get_height();
    const target = { data: new Uint8ClampedArray(width * height * 4), width, height };
    const out = await new Promise<typeof target | null>((resolve) =>
      (img as unknown as { display(t: typeof target, cb: (r: typeof target | null) => void): void }).display(
        target,
        resolve,
      ),
    );
    if (!out)
      throw new JingjieError(
        'DecodeFailed',
        'The HEIC image could not be decoded; the file may be truncated or corrupt.',
      );
    return { rgba: out.data, width, height, hasAlpha };
  } finally {
    for (const i of images) i.free();
  }
}
