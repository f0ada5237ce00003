// What this browser offers the page, found by feature detection (never the user agent): the
// decode and save paths the app takes, and whether Copy can work, so the engine details can name
// the path and a feature that cannot work here says so instead of failing silently (issue 21).

export interface PagePaths {
  /** `imageDecoder`: WebCodecs' ImageDecoder first; `canvas`: createImageBitmap (WebKit). */
  decode: 'imageDecoder' | 'canvas';
  /** `picker`: a save dialog (File System Access); `download`: the browser's download. */
  save: 'picker' | 'download';
  /** Images can be written to the clipboard (ClipboardItem and clipboard.write). */
  copy: boolean;
}

export function pagePaths(g: typeof globalThis = globalThis): PagePaths {
  const w = g as unknown as { ImageDecoder?: unknown; showSaveFilePicker?: unknown; ClipboardItem?: unknown };
  const nav = (g as { navigator?: Navigator }).navigator;
  return {
    decode: typeof w.ImageDecoder === 'function' ? 'imageDecoder' : 'canvas',
    save: typeof w.showSaveFilePicker === 'function' ? 'picker' : 'download',
    copy: typeof w.ClipboardItem === 'function' && typeof nav?.clipboard?.write === 'function',
  };
}
