// Files pasted or dropped before the app has mounted. The page's listeners live in
// useIncomingFiles, attached once the React chunk has arrived and rendered; a Ctrl+V in that
// window reached nobody and was lost. The entry (main.tsx) starts catching at once; the hook takes
// what arrived, in order, and stops the catching when its own listeners are in place.
import { filesFromClipboard, filesFromDataTransfer } from './collect';

export type EarlyFrom = 'paste' | 'drop';

let caught: Promise<{ files: File[]; from: EarlyFrom }>[] = [];
let stop: (() => void) | undefined;

export function catchEarlyFiles(): void {
  if (stop) return;
  const paste = (e: ClipboardEvent) => {
    const files = filesFromClipboard(e.clipboardData);
    if (!files.length) return;
    e.preventDefault();
    caught.push(Promise.resolve({ files, from: 'paste' }));
  };
  // Without this the browser opens a dropped file instead of handing it to the page.
  const over = (e: DragEvent) => e.preventDefault();
  const drop = (e: DragEvent) => {
    if (!e.dataTransfer) return;
    e.preventDefault();
    caught.push(filesFromDataTransfer(e.dataTransfer).then((files) => ({ files, from: 'drop' })));
  };
  window.addEventListener('paste', paste);
  window.addEventListener('dragover', over);
  window.addEventListener('drop', drop);
  stop = () => {
    window.removeEventListener('paste', paste);
    window.removeEventListener('dragover', over);
    window.removeEventListener('drop', drop);
  };
}

/** Stops the early catching; what arrived before, in order (nothing when it never started). */
export async function takeEarlyFiles(): Promise<{ files: File[]; from: EarlyFrom }[]> {
  stop?.();
  stop = undefined;
  const got = caught;
  caught = [];
  return (await Promise.all(got)).filter((g) => g.files.length > 0);
}
