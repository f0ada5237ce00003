// Mask + pixels → the cut-out: RGBA with the mask as alpha (times any alpha the photo already had),
// optionally with estimated foreground colours in soft edges, optionally flattened onto a colour.

export interface ComposeOptions {
  /** Foreground colours estimated for soft edges (RGBA, same size); opaque pixels are never changed. */
  foreground?: Uint8ClampedArray;
  /** Flatten onto this colour (r, g, b in 0..255); the result is then opaque. */
  background?: [number, number, number];
  /** The source already had transparency: multiply it in. */
  keepSourceAlpha?: boolean;
}

/** Writes into `rgba` in place (the decoded buffer is ours to reuse) and returns it. */
export function compose(
  rgba: Uint8ClampedArray,
  mask: Uint8ClampedArray,
  opts: ComposeOptions = {},
): Uint8ClampedArray {
  const fg = opts.foreground;
  const n = mask.length;
  for (let i = 0, p = 0; i < n; i++, p += 4) {
    let a = mask[i];
    if (opts.keepSourceAlpha) a = (a * rgba[p + 3] + 127) / 255;
    if (fg && a > 0 && a < 255) {
      rgba[p] = fg[p];
      rgba[p + 1] = fg[p + 1];
      rgba[p + 2] = fg[p + 2];
    } else if (a === 0) {
      // Invisible pixels carry no colour: zeroing them keeps old-background colour out of the file
      // and makes the PNG much smaller.
      rgba[p] = rgba[p + 1] = rgba[p + 2] = 0;
    }
    rgba[p + 3] = a;
  }
  if (opts.background) flattenOnto(rgba, opts.background);
  return rgba;
}

export function parseHexColour(hex: string): [number, number, number] | undefined {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return undefined;
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export function alphaOf(rgba: Uint8ClampedArray): Uint8ClampedArray {
  const a = new Uint8ClampedArray(rgba.length / 4);
  for (let i = 0; i < a.length; i++) a[i] = rgba[i * 4 + 3];
  return a;
}

/**
 * Straight-alpha `over`, in place: the cut-out onto an opaque background, either an RGBA image of
 * the same size or one colour (r, g, b). The result is opaque. The job's blend (cutout.ts); output
 * presets, plain re-exports included, blend in premultiplied light in present.ts.
 */
export function flattenOnto(
  rgba: Uint8ClampedArray,
  background: Uint8ClampedArray | readonly [number, number, number],
): Uint8ClampedArray {
  const step = background.length === 3 ? 0 : 4; // a colour is the same "pixel" everywhere
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += step) {
    const a = rgba[p + 3] / 255;
    rgba[p] = rgba[p] * a + background[q] * (1 - a);
    rgba[p + 1] = rgba[p + 1] * a + background[q + 1] * (1 - a);
    rgba[p + 2] = rgba[p + 2] * a + background[q + 2] * (1 - a);
    rgba[p + 3] = 255;
  }
  return rgba;
}
