// Turns whatever the user gave us (a drop, a picker, a paste, a launch) into a flat list of files.
// Folders are walked recursively; inside folders only image files are kept.

const IMAGE_EXT = /\.(png|jpe?g|jfif|webp|avif|gif|bmp|heic|heif|tiff?)$/i;

export function looksLikeImage(f: File): boolean {
  return f.type.startsWith('image/') || IMAGE_EXT.test(f.name);
}

type Entry = FileSystemEntry;

function readAll(reader: FileSystemDirectoryReader): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const out: Entry[] = [];
    // readEntries returns at most ~100 entries per call; keep reading until it returns none.
    const next = () =>
      reader.readEntries((batch) => {
        if (!batch.length) return resolve(out);
        out.push(...batch);
        next();
      }, reject);
    next();
  });
}

async function walkEntry(entry: Entry, inFolder: boolean, out: File[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    if (!inFolder || looksLikeImage(file)) out.push(file);
  } else if (entry.isDirectory) {
    const children = await readAll((entry as FileSystemDirectoryEntry).createReader());
    children.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    for (const c of children) await walkEntry(c, true, out);
  }
}

interface HandleLike {
  kind: 'file' | 'directory';
  name: string;
  getFile?: () => Promise<File>;
  values?: () => AsyncIterable<HandleLike>;
}

async function walkHandle(h: HandleLike, inFolder: boolean, out: File[]): Promise<void> {
  if (h.kind === 'file' && h.getFile) {
    const f = await h.getFile();
    if (!inFolder || looksLikeImage(f)) out.push(f);
  } else if (h.kind === 'directory' && h.values) {
    const kids: HandleLike[] = [];
    for await (const c of h.values()) kids.push(c);
    kids.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    for (const c of kids) await walkHandle(c, true, out);
  }
}

/** Files from a drop, walking folders. Must be called synchronously in the drop handler (items expire). */
export function filesFromDataTransfer(dt: DataTransfer): Promise<File[]> {
  const items = [...dt.items].filter((i) => i.kind === 'file');
  // Grab entries/handles now: the DataTransfer is emptied once the event handler returns.
  const pending = items.map((item) => {
    const withHandle = item as DataTransferItem & {
      getAsFileSystemHandle?: () => Promise<HandleLike | null>;
    };
    const entry = item.webkitGetAsEntry?.() ?? null;
    const file = item.getAsFile();
    if (entry?.isDirectory) return { entry, file };
    if (!entry && withHandle.getAsFileSystemHandle)
      return { handle: withHandle.getAsFileSystemHandle(), file };
    return { file };
  });
  return (async () => {
    const out: File[] = [];
    for (const p of pending) {
      if ('entry' in p && p.entry) await walkEntry(p.entry, false, out);
      else if ('handle' in p && p.handle) {
        const h = await p.handle.catch(() => null);
        if (h) await walkHandle(h, false, out);
        else if (p.file) out.push(p.file);
      } else if (p.file) out.push(p.file);
    }
    if (!items.length) out.push(...dt.files);
    return out;
  })();
}

/** Image files on a paste (screenshots arrive as an unnamed image/png). */
export function filesFromClipboard(dt: DataTransfer | null): File[] {
  if (!dt) return [];
  const files = [...dt.files].filter(looksLikeImage);
  if (files.length) return files.map(named);
  return [...dt.items]
    .filter((i) => i.kind === 'file' && i.type.startsWith('image/'))
    .map((i) => i.getAsFile())
    .filter((f): f is File => !!f)
    .map(named);
}

/** Give pasted images a useful name: "image.png" from the clipboard becomes "pasted-2026-11-24-2130.png". */
function named(f: File): File {
  if (f.name && f.name !== 'image.png' && f.name !== 'blob') return f;
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  const ext = (f.type.split('/')[1] ?? 'png').replace('jpeg', 'jpg');
  const name = `pasted-${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}.${ext}`;
  return new File([f], name, { type: f.type, lastModified: f.lastModified });
}
