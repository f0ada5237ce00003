#!/usr/bin/env node
// Speed check for issue 10 (items 2 and 3): a first visit (open the URL, pick a 512² photo, until
// the result is shown with Download enabled) and later photos (512² and 12 MP: pick → shown),
// measured from outside the app so a build without the jj:* marks can be compared with one that
// has them. Serves the given build with COOP/COEP on 127.0.0.1.
//
//   npx tsx scripts/speed-check.mjs [--dist dist] [--port 4222] [--runs 3] [--json out.json]
// (JJ_TWICE=1: each later photo twice per run.)
//
// Prints one line per measurement and a summary; the jj:* marks/measures when the build has them.
/* global window, document */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import sharp from 'sharp';
import { serveStatic } from './serve-static.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/chromium.mjs';

const { values: args } = parseArgs({
  options: {
    dist: { type: 'string', default: 'dist' },
    port: { type: 'string', default: '4222' },
    runs: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});
const root = resolve(import.meta.dirname, '..');
const runs = Number(args.runs);

/** Test photos: a 512² JPEG and a 12 MP (4000×3000) JPEG with sensor-like noise (real photos are not smooth). */
async function photos(dir) {
  const src = join(root, 'test/fixtures/photos');
  const small = join(dir, 'small-512.jpg');
  await sharp(join(src, 'chelsea.png'))
    .resize(512, 512, { fit: 'cover' })
    .jpeg({ quality: 90 })
    .toFile(small);
  const small2 = join(dir, 'small-512-b.jpg');
  await sharp(join(src, 'coffee.png'))
    .resize(512, 512, { fit: 'cover' })
    .jpeg({ quality: 90 })
    .toFile(small2);
  const W = 4000,
    H = 3000;
  const base = await sharp(join(src, 'astronaut.png'))
    .resize(W, H, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer();
  let s = 12345;
  for (let i = 0; i < base.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    base[i] = Math.max(0, Math.min(255, base[i] + ((s >>> 24) % 13) - 6));
  }
  const big = join(dir, 'big-12mp.jpg');
  await sharp(base, { raw: { width: W, height: H, channels: 3 } })
    .jpeg({ quality: 88 })
    .toFile(big);
  return { small, small2, big };
}

/** Pick a file and wait until its result is on screen with Download enabled; returns page-side times. */
async function pickAndWait(page, file) {
  const before = await page.evaluate(() => window.jingjie?.queue?.snapshot().tasks.length ?? 0);
  if (process.env.JJ_DEBUG) console.log('pick', file, 'tasks before', before);
  await page.getByTestId('file-input').setInputFiles(file);
  const handle = await page.waitForFunction(
    (n) => {
      const q = window.jingjie?.queue?.snapshot();
      const t = q?.tasks[n];
      const img = document.querySelector('[data-testid="result-image"]');
      const dl = document.querySelector('[data-testid="download"]');
      if (!t || t.state !== 'done' || !img || !img.complete || !img.naturalWidth || !dl || dl.disabled)
        return false;
      if (img.naturalWidth !== t.result.width) return false;
      return { shown: performance.now(), picked: window.__picked, timings: t.result.timings, id: t.id };
    },
    before,
    { timeout: 600_000, polling: 'raf' },
  );
  return handle.jsonValue();
}

async function session(browser, base, files) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror', e.message));
  page.on('console', (m) => m.type() === 'error' && console.log('console error', m.text().slice(0, 300)));
  await page.addInitScript(() => {
    document.addEventListener('change', () => (window.__picked = performance.now()), true);
  });
  await page.goto(base);
  // First visit: pick the 512² photo at once, as a new user would.
  const first = await pickAndWait(page, files.small);
  const out = { firstVisitMs: first.shown, first, later: [] };
  const later = [
    ['512', files.small2],
    ['12MP', files.big],
  ];
  for (const [label, f] of process.env.JJ_TWICE ? [...later, ...later] : later) {
    const r = await pickAndWait(page, f);
    out.later.push({
      label,
      pickToShown: r.shown - r.picked,
      inference: r.timings.inference,
      total: r.timings.total,
      timings: r.timings,
    });
  }
  out.marks = await page.evaluate(() =>
    performance
      .getEntriesByType('mark')
      .filter((m) => m.name.startsWith('jj:'))
      .map((m) => ({ name: m.name, t: Math.round(m.startTime) })),
  );
  out.measures = await page.evaluate(() =>
    performance
      .getEntriesByType('measure')
      .filter((m) => m.name.startsWith('jj:'))
      .map((m) => ({ name: m.name, d: Math.round(m.duration), detail: m.detail })),
  );
  await ctx.close();
  return out;
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length
    ? s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
    : NaN;
};

const dir = mkdtempSync(join(tmpdir(), 'jj-speed-'));
const files = await photos(dir);
const server = await serveStatic({ root: resolve(root, args.dist), port: Number(args.port), isolate: true });
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const results = [];
try {
  for (let i = 0; i < runs; i++) {
    const r = await session(browser, `http://127.0.0.1:${args.port}/`, files);
    results.push(r);
    console.log(`run ${i + 1}: first visit ${(r.firstVisitMs / 1000).toFixed(2)} s`);
    for (const l of r.later)
      console.log(
        `  ${l.label}: pick→shown ${(l.pickToShown / 1000).toFixed(2)} s, inference ${(l.inference / 1000).toFixed(2)} s, ratio ${(l.pickToShown / l.inference).toFixed(2)}; ${JSON.stringify(Object.fromEntries(Object.entries(l.timings).map(([k, v]) => [k, Math.round(v)])))}`,
      );
    if (r.marks.length) console.log('  marks', r.marks.map((m) => `${m.name}@${m.t}`).join(' '));
    if (r.measures.length)
      console.log(
        '  measures',
        r.measures.map((m) => `${m.name}=${m.d}(inf ${Math.round(m.detail?.inferenceMs ?? 0)})`).join(' '),
      );
  }
} finally {
  await browser.close();
  await server.close();
}
const sum = { firstVisitS: median(results.map((r) => r.firstVisitMs)) / 1000 };
for (const label of ['512', '12MP']) {
  const rows = results.flatMap((r) => r.later.filter((l) => l.label === label));
  sum[label] = {
    pickToShownS: median(rows.map((l) => l.pickToShown)) / 1000,
    inferenceS: median(rows.map((l) => l.inference)) / 1000,
    ratio: median(rows.map((l) => l.pickToShown / l.inference)),
  };
}
console.log('summary', JSON.stringify(sum));
if (args.json) writeFileSync(args.json, JSON.stringify({ summary: sum, results }, null, 2));
