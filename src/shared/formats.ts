// The output formats, one entry each: MIME type, file extension, whether it keeps transparency,
// the encoder's quality range and the i18n key of its name. Read by the encoder
// (workers/pipeline/encode.ts), the presets (validation, extension, MIME), the exporter and the
// file namer. Adding a format = one entry here, its name in src/i18n, and a branch in encode.ts
// only if the browser's canvas encoder cannot write it.

export interface FormatSpec {
  id: string;
  mime: string;
  /** File extension, without the dot (`photo-nobg.<ext>`). */
  ext: string;
  /** Keeps an alpha channel: a cut-out stays transparent without a background. */
  alpha: boolean;
  /** Encoder quality, 1..100; absent for a lossless format with nothing to set. */
  quality?: { min: number; max: number; default: number };
  /** i18n key of the format's name. */
  label: `format.${string}`;
}

const LOSSY = { min: 1, max: 100, default: 92 } as const;

export const FORMATS = {
  png: { id: 'png', mime: 'image/png', ext: 'png', alpha: true, label: 'format.png' },
  webp: { id: 'webp', mime: 'image/webp', ext: 'webp', alpha: true, quality: LOSSY, label: 'format.webp' },
  jpeg: { id: 'jpeg', mime: 'image/jpeg', ext: 'jpg', alpha: false, quality: LOSSY, label: 'format.jpeg' },
} as const satisfies Record<string, FormatSpec>;

export type FormatId = keyof typeof FORMATS;

/** Every format, in the order pickers list them. */
export const FORMAT_IDS = Object.keys(FORMATS) as FormatId[];

/** The formats that keep transparency: what a cut-out may be written as without a background. */
export type AlphaFormatId = {
  [K in FormatId]: (typeof FORMATS)[K]['alpha'] extends true ? K : never;
}[FormatId];

export const ALPHA_FORMAT_IDS = FORMAT_IDS.filter((id) => FORMATS[id].alpha) as AlphaFormatId[];

export function isFormatId(x: unknown): x is FormatId {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(FORMATS, x);
}

export function formatSpec(id: FormatId): FormatSpec {
  return FORMATS[id];
}
