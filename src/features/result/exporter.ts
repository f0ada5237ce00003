// Produces the file the user asked for from a finished task: the stored transparent PNG as is,
// or re-rendered by the engine onto a colour/image or as WebP (a plain preset, the same path as
// every output preset), or the mask alone.
import type { Engine } from '../../engine';
import type { QueueApi, Task } from '../queue';
import { FORMATS, type AlphaFormatId } from '../../shared/formats';
import { plainPreset } from '../../shared/presets';

export type BackgroundMode = 'transparent' | 'colour' | 'image';
/** A cut-out's own formats (those that keep transparency), or its mask alone (a PNG). */
export type ExportFormat = AlphaFormatId | 'mask';

export interface ExportChoice {
  mode: BackgroundMode;
  colour: string;
  image?: Blob;
  format: ExportFormat;
}

export async function produce(engine: Engine, queue: QueueApi, task: Task, c: ExportChoice): Promise<Blob> {
  if (c.format === 'mask') {
    const m = await queue.mask(task.id);
    if (!m) throw new Error('mask unavailable');
    return m;
  }
  const cut = await queue.result(task.id);
  if (!cut) throw new Error('result unavailable');
  // One render path: a plain download is a preset (the whole cut-out, its own size). Image mode
  // before an image is chosen stays transparent.
  const image = c.mode === 'image' ? c.image : undefined;
  const colour = c.mode === 'colour' ? c.colour : undefined;
  if (!image && !colour && c.format === 'png') return cut;
  return engine.present(cut, plainPreset(c.format, { colour, image: !!image }), { backgroundImage: image });
}

/** The queue names every saved file (ZIP entries, single downloads and masks alike). */
export function exportName(queue: QueueApi, task: Task, format: ExportFormat): string {
  return format === 'mask'
    ? queue.resultName(task, FORMATS.png.ext, 'mask')
    : queue.resultName(task, FORMATS[format].ext);
}

export function saveBlob(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 30_000);
}

/**
 * Copy a PNG to the clipboard. Call synchronously from the click handler: the ClipboardItem gets
 * the Promise at once, which Safari requires to keep the user activation.
 */
export function copyPng(blob: Promise<Blob>): Promise<void> {
  if (typeof ClipboardItem === 'undefined' || !navigator.clipboard?.write) {
    return Promise.reject(new Error('ClipboardItem unsupported'));
  }
  const png = blob.then((b) => (b.type === 'image/png' ? b : new Blob([b], { type: 'image/png' })));
  return navigator.clipboard.write([new ClipboardItem({ 'image/png': png })]);
}
