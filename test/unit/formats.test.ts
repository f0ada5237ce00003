// The output format registry (src/shared/formats.ts): complete entries, names in every language,
// and the presets' extension, MIME type and validation read from it.
import { describe, expect, it } from 'vitest';
import {
  ALPHA_FORMAT_IDS,
  FORMAT_IDS,
  FORMATS,
  isFormatId,
  type FormatId,
  type FormatSpec,
} from '../../src/shared/formats';
import { encoderWith } from '../../workers/pipeline/encode-core';
import { ResultNamer } from '../../src/shared/names';
import { presetExtension, presetMime, validatePreset, type Preset } from '../../src/shared/presets';
import { en } from '../../src/i18n/en';
import { zh } from '../../src/i18n/zh';

const preset = (over: Partial<Preset>): Preset => ({
  id: 'p',
  name: 'p',
  background: { kind: 'transparent' },
  canvas: { kind: 'original' },
  placement: 'none',
  margin: 0,
  shadow: { enabled: false, strength: 0.5, softness: 0.5 },
  format: 'png',
  quality: 90,
  ...over,
});

describe('format registry', () => {
  it('has a MIME type, an extension and a name in every language for each format', () => {
    for (const id of FORMAT_IDS) {
      const f = FORMATS[id];
      expect(f.id).toBe(id);
      expect(f.mime).toMatch(/^image\/[a-z]+$/);
      expect(f.ext).toMatch(/^[a-z]+$/);
      expect(en[f.label]).toBeTruthy();
      expect(zh[f.label]).toBeTruthy();
    }
    expect(ALPHA_FORMAT_IDS).toEqual(['png', 'webp']);
    expect(isFormatId('jpeg')).toBe(true);
    expect(isFormatId('toString')).toBe(false);
  });

  it('gives presets their extension and MIME type', () => {
    expect(presetExtension({ format: 'jpeg' })).toBe('jpg');
    expect(presetMime({ format: 'jpeg' })).toBe('image/jpeg');
    expect(presetExtension({ format: 'webp' })).toBe('webp');
  });

  it('validates a preset against the registry', () => {
    expect(validatePreset(preset({ format: 'jpeg' }))).toContain('jpegNeedsOpaque');
    expect(validatePreset(preset({ format: 'jpeg', background: { kind: 'white' } }))).toEqual([]);
    expect(validatePreset(preset({ format: 'gif' as Preset['format'] }))).toContain('badFormat');
    expect(validatePreset(preset({ format: 'webp', quality: 0 }))).toContain('badQuality');
  });
});

describe('adding a format = one entry + its encoder', () => {
  it('routes every format to the colour encoder with its own default quality', async () => {
    const seen: [FormatId, number][] = [];
    const encode = encoderWith(async (_p, _w, _h, format, quality) => {
      seen.push([format, quality]);
      return new Blob([], { type: FORMATS[format].mime });
    });
    for (const id of FORMAT_IDS) {
      const blob = await encode(new Uint8ClampedArray(4), 1, 1, id, 'rgba');
      expect(blob.type).toBe(FORMATS[id].mime);
    }
    expect(seen).toEqual(
      FORMAT_IDS.map((id) => [id, ((FORMATS[id] as FormatSpec).quality?.default ?? 100) / 100]),
    );
  });

  it('names every format by its registry extension', () => {
    const namer = new ResultNamer();
    for (const id of FORMAT_IDS) {
      expect(namer.name({ id: 't', name: 'photo.heic' }, presetExtension({ format: id }))).toBe(
        `photo-nobg.${FORMATS[id].ext}`,
      );
    }
  });
});
