// Every way files reach the app besides the picker: drop anywhere on the page, paste anywhere,
// the OS file handler (launchQueue) and the share target. Calls `onFiles` with what arrived.
import { useEffect, useRef, useState } from 'react';
import { filesFromClipboard, filesFromDataTransfer } from './collect';
import { takeEarlyFiles } from './early';
import { listenForLaunchedFiles, takeSharedFiles } from './launch';

function hasFiles(e: DragEvent): boolean {
  return !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');
}

/** Returns whether files are being dragged over the page (for the drop overlay). */
export function useIncomingFiles(
  onFiles: (files: File[], from: 'drop' | 'paste' | 'launch' | 'share') => void,
): boolean {
  const [dragging, setDragging] = useState(false);
  const cb = useRef(onFiles);
  cb.current = onFiles;

  useEffect(() => {
    let depth = 0;
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (!depth) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      depth = 0;
      setDragging(false);
      if (!e.dataTransfer) return;
      e.preventDefault();
      void filesFromDataTransfer(e.dataTransfer).then((files) => cb.current(files, 'drop'));
    };
    const paste = (e: ClipboardEvent) => {
      // Let text fields keep their own paste.
      const t = e.target as HTMLElement | null;
      const files = filesFromClipboard(e.clipboardData);
      if (!files.length) return;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA') && (t as HTMLInputElement).type !== 'file')
        return;
      e.preventDefault();
      cb.current(files, 'paste');
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    window.addEventListener('paste', paste);
    // What was pasted or dropped before these listeners existed (early.ts), in order.
    void takeEarlyFiles().then((early) => early.forEach((e) => cb.current(e.files, e.from)));
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
      window.removeEventListener('paste', paste);
    };
  }, []);

  useEffect(() => {
    listenForLaunchedFiles((files) => cb.current(files, 'launch'));
    void takeSharedFiles().then((files) => files.length && cb.current(files, 'share'));
  }, []);

  return dragging;
}
