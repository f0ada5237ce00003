#!/usr/bin/env node
// Draws the PWA icons (public/icons/*.png) with pngjs: a white subject lifted off a checkerboard
// on a teal tile. Run `node scripts/icons.mjs` after changing the drawing; the PNGs are committed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');
mkdirSync(out, { recursive: true });

const TEAL = [15, 118, 110];
const MINT = [94, 234, 212];
const WHITE = [255, 255, 255];

/**
 * Colour of the point (u, v) in the 32×32 design space of src/app/Logo.tsx, or null if outside.
 * `bleed`: the maskable icon fills the whole square and shrinks the drawing into the safe zone.
 */
function shade(u, v, bleed) {
  let x = u,
    y = v;
  if (bleed) {
    // Maskable: content within the central 80% circle; scale the drawing to 72% around the centre.
    x = 16 + (u - 16) / 0.72;
    y = 16 + (v - 16) / 0.72;
  } else {
    // Rounded tile, radius 8.
    const r = 8;
    const cx = Math.min(Math.max(u, r), 32 - r),
      cy = Math.min(Math.max(v, r), 32 - r);
    if ((u - cx) ** 2 + (v - cy) ** 2 > r * r) return null;
  }
  // Head and shoulders.
  if ((x - 16) ** 2 + (y - 12) ** 2 <= 25) return WHITE;
  if (y >= 19 && y <= 27) {
    const t = (y - 19) / 8; // 0 at the neck, 1 at the bottom
    const half = 2.5 + 6 * Math.sqrt(t);
    if (Math.abs(x - 16) <= half) return WHITE;
  }
  // Checkerboard of 4×4 cells behind the subject: the "transparent" it is lifted off.
  if (x >= 4 && x < 28 && y >= 12 && y < 28 && (Math.floor(x / 4) + Math.floor(y / 4)) % 2 === 0)
    return mix(TEAL, MINT, 0.45);
  return TEAL;
}

function mix(a, b, t) {
  return a.map((v, i) => Math.round(v + (b[i] - v) * t));
}

function draw(size, bleed) {
  const png = new PNG({ width: size, height: size });
  const ss = 4; // 4×4 supersampling for smooth edges
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const u = ((px + (sx + 0.5) / ss) / size) * 32;
          const v = ((py + (sy + 0.5) / ss) / size) * 32;
          const c = shade(u, v, bleed);
          if (!c) continue;
          r += c[0];
          g += c[1];
          b += c[2];
          a++;
        }
      }
      const i = (py * size + px) * 4;
      png.data[i] = a ? Math.round(r / a) : 0;
      png.data[i + 1] = a ? Math.round(g / a) : 0;
      png.data[i + 2] = a ? Math.round(b / a) : 0;
      png.data[i + 3] = Math.round((a / (ss * ss)) * 255);
    }
  }
  return PNG.sync.write(png, { colorType: 6 });
}

const targets = [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['maskable-512.png', 512, true],
  ['maskable-192.png', 192, true],
  ['apple-touch-icon.png', 180, true],
  ['favicon-32.png', 32, false],
];
for (const [name, size, bleed] of targets) {
  writeFileSync(join(out, name), draw(size, bleed));
  console.log(`icons: ${name}`);
}
