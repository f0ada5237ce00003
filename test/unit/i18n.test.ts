// Error messages in the UI: the file-specific message when the error's detail has the file name
// and numbers, in both languages; the generic one otherwise.
import { describe, expect, it } from 'vitest';
import { translate } from '../../src/i18n/translate';
import { en } from '../../src/i18n/en';
import { zh } from '../../src/i18n/zh';
import { errorMessage, formatLabel } from '../../src/i18n/errors';
import { JingjieError } from '../../src/shared/errors';
import { formatBytes } from '../../src/shared/bytes';
import { DEFAULT_MAX_BYTES } from '../../workers/pipeline/decode';

const bytes = (n: number) => formatBytes(n);
const say = (lang: 'en' | 'zh', err: unknown) => {
  const { key, vars } = errorMessage(err, bytes, (k) => (lang === 'en' ? en : zh)[k]);
  return translate(lang, key, vars);
};

describe('error messages', () => {
  it('name the file and its numbers when the detail has them', () => {
    const err = new JingjieError('TooManyPixels', 'x', {
      fileName: 'pano.jpg',
      width: 30000,
      height: 9000,
      maxPixels: 200_000_000,
    });
    expect(say('en', err)).toBe(
      '“pano.jpg” has 30000×9000 pixels; this device can open at most 200 megapixels. Reduce it and try again.',
    );
    expect(say('zh', err)).toContain('“pano.jpg”有 30000×9000 像素');
    const big = {
      name: 'FileTooLarge',
      message: 'x',
      detail: { fileName: 'scan.png', bytes: 31_000_000, maxBytes: DEFAULT_MAX_BYTES },
    };
    // One unit system (issue 12): the 20 MB limit reads "20.0 MB", not "21.0 MB".
    expect(say('en', big)).toBe(
      '“scan.png” is 31.0 MB; the limit is 20.0 MB per file. Save a smaller copy and try again.',
    );
    expect(formatBytes(DEFAULT_MAX_BYTES)).toBe('20.0 MB');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_500_000_000)).toBe('1.5 GB');
  });

  it('say what format a refused file is', () => {
    expect(
      say('en', new JingjieError('UnsupportedFormat', 'x', { fileName: 'a.tif', format: 'image/tiff' })),
    ).toContain('is in TIFF format');
    expect(
      say('en', new JingjieError('UnsupportedFormat', 'x', { fileName: 'logo.svg', format: 'svg' })),
    ).toContain('is in SVG format');
    expect(formatLabel('image/vnd.adobe.photoshop')).toBe('ADOBE');
    expect(formatLabel('unknown')).toBeUndefined();
  });

  it('fall back to the generic message when a value is missing', () => {
    expect(
      say('en', new JingjieError('UnsupportedFormat', 'x', { fileName: 'a.bin', format: 'unknown' })),
    ).toBe(en['error.UnsupportedFormat']);
    expect(say('en', new JingjieError('TooManyPixels', 'x', { width: 1, height: 1 }))).toBe(
      en['error.TooManyPixels'],
    );
    expect(say('zh', new JingjieError('QuotaExceeded', 'x', { fileName: 'a.jpg' }))).toBe(
      zh['error.QuotaExceeded'],
    );
    expect(say('en', new Error('boom'))).toBe(en['error.unknown']);
  });

  it('say that a photo ends early when the decoder found it cut short', () => {
    const short = new JingjieError('DecodeFailed', 'x', { fileName: 'a.jpg', issue: 'truncated' });
    expect(say('en', short)).toContain('“a.jpg” ends early');
    expect(say('zh', short)).toContain('“a.jpg”提前结束');
    // Without an issue, the message stays the general one.
    expect(say('en', new JingjieError('DecodeFailed', 'x', { fileName: 'a.jpg', format: 'jpeg' }))).toBe(
      en['error.DecodeFailed.file'].replace('{fileName}', 'a.jpg'),
    );
  });

  it('every file-specific message uses only values errorMessage can supply', () => {
    const supplied = new Set(['fileName', 'size', 'limit', 'width', 'height', 'mp', 'format']);
    for (const table of [en, zh])
      for (const [k, v] of Object.entries(table))
        if (k.endsWith('.file'))
          for (const m of v.matchAll(/\{(\w+)\}/g)) expect(supplied, `${k}: {${m[1]}}`).toContain(m[1]);
  });
});
