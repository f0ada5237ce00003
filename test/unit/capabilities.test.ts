// The paths the engine details name and whether Copy is offered, from feature detection alone.
import { describe, expect, it } from 'vitest';
import { pagePaths } from '../../src/ui/capabilities';

const fn = () => undefined;

describe('pagePaths', () => {
  it('Chromium: ImageDecoder, a save dialog, clipboard images', () => {
    const g = {
      ImageDecoder: fn,
      showSaveFilePicker: fn,
      ClipboardItem: fn,
      navigator: { clipboard: { write: fn } },
    };
    expect(pagePaths(g as unknown as typeof globalThis)).toEqual({
      decode: 'imageDecoder',
      save: 'picker',
      copy: true,
    });
  });
  it('WebKit without ImageDecoder or a save dialog: canvas decode, downloads', () => {
    const g = { ClipboardItem: fn, navigator: { clipboard: { write: fn } } };
    expect(pagePaths(g as unknown as typeof globalThis)).toEqual({
      decode: 'canvas',
      save: 'download',
      copy: true,
    });
  });
  it('no ClipboardItem: Copy is not offered', () => {
    const g = { ImageDecoder: fn, navigator: { clipboard: {} } };
    expect(pagePaths(g as unknown as typeof globalThis).copy).toBe(false);
  });
});
