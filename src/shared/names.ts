// File names of results: `photo.jpg` → `photo-nobg.png`; only where two originals share a base
// name (case-insensitively, since most desktops fold case) do both get a short id suffix,
// `photo-nobg-3f2a.png`. Deterministic for a given set of tasks; no O(N) work per call. The one
// place result names are made: single downloads, masks, the ZIP and the `jingjie` CLI all use it.

/** What a saved file holds: the cut-out, or the mask alone. */
export type ResultKind = 'nobg' | 'mask';

/** Base name of an original, safe as a file name on Windows, macOS and Linux and in a ZIP. */
export function baseName(name: string): string {
  const leaf = name.split(/[\\/]/).pop() ?? '';
  const dot = leaf.lastIndexOf('.');
  const stem = dot > 0 ? leaf.slice(0, dot) : leaf;
  const clean = stem
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^[\s.]+|[\s.]+$/g, '')
    .slice(0, 180);
  return clean || 'image';
}

function groupKey(name: string): string {
  return baseName(name).toLowerCase();
}

function compactId(id: string): string {
  return id.replace(/[^0-9a-zA-Z]/g, '').toLowerCase();
}

/** Tracks which base names are shared and how long a suffix keeps them apart. */
export class ResultNamer {
  private groups = new Map<string, Set<string>>();
  private suffixLen = new Map<string, number>();

  add(id: string, name: string): void {
    const k = groupKey(name);
    let g = this.groups.get(k);
    if (!g) this.groups.set(k, (g = new Set()));
    g.add(id);
    this.suffixLen.delete(k);
  }

  delete(id: string, name: string): void {
    const k = groupKey(name);
    const g = this.groups.get(k);
    if (!g) return;
    g.delete(id);
    if (g.size === 0) this.groups.delete(k);
    this.suffixLen.delete(k);
  }

  clear(): void {
    this.groups.clear();
    this.suffixLen.clear();
  }

  /** `photo-nobg.png`, or `photo-mask.png` for the mask (`kind`), suffixed where base names are shared. */
  name(task: { id: string; name: string }, ext = 'png', kind: ResultKind = 'nobg'): string {
    const base = baseName(task.name);
    const k = base.toLowerCase();
    const g = this.groups.get(k);
    const e = ext.replace(/^\./, '');
    if (!g || g.size < 2) return `${base}-${kind}.${e}`;
    const len = this.lengthFor(k, g);
    return `${base}-${kind}-${compactId(task.id).slice(0, len)}.${e}`;
  }

  /** Shortest prefix (4, 8, … chars) of the ids that tells every member of the group apart. */
  private lengthFor(k: string, g: Set<string>): number {
    const cached = this.suffixLen.get(k);
    if (cached !== undefined) return cached;
    const ids = [...g].map(compactId);
    const max = Math.max(...ids.map((s) => s.length));
    let len = 4;
    while (len < max && new Set(ids.map((s) => s.slice(0, len))).size < ids.length) len *= 2;
    this.suffixLen.set(k, len);
    return len;
  }
}
