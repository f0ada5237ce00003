// File names for what the user saves: derived from the original's name.

export function baseName(name: string): string {
  return name.replace(/\.[^./\\]+$/, '').trim() || 'image';
}

/** `photo.jpg` → `photo-nobg.png`; the mask → `photo-mask.png`. */
export function outputName(original: string, kind: 'png' | 'webp' | 'mask'): string {
  if (kind === 'mask') return `${baseName(original)}-mask.png`;
  return `${baseName(original)}-nobg.${kind}`;
}
