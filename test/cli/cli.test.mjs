// The real `jingjie` CLI end to end (issue 24): three photos and a hostile file → exit status 1,
// three cut-outs, the hostile file reported with its code; a second run skips all three; and the
// CLI's masks against the native reference masks the app's masks are held to; and every refused
// file of the app's input corpus (test/fixtures/corpus) refused with the app's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { buildCli } from '../../scripts/build-cli.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png'];
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'public/models/models.json'), 'utf8'));
const VARIANT = manifest.defaults.wasm; // the CLI's default: the app's WASM default

function jingjie(args) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/jingjie.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: r.status, summary: r.stdout ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
}

/** Mean |Δα| and IoU at 128 (test/support/png.ts's measure). */
function compare(a, b) {
  let sum = 0;
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    sum += Math.abs(a[i] - b[i]);
    const x = a[i] >= 128;
    const y = b[i] >= 128;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return { meanAbsDiff: sum / a.length, iou: union ? inter / union : 1 };
}

test('jingjie: three photos and a hostile file, resumed, masks as the app’s', async () => {
  await buildCli(); // the bundle from the sources under test
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-cli-'));
  const input = path.join(dir, 'in');
  const out = path.join(dir, 'out');
  fs.mkdirSync(input);
  for (const p of PHOTOS) fs.copyFileSync(path.join(root, 'test/fixtures/photos', p), path.join(input, p));
  // Hostile: a text file named like a photo (the app's corpus case `text-as-jpg`).
  fs.writeFileSync(path.join(input, 'not-a-photo.jpg'), 'plain text pretending to be a JPEG\n');

  const first = jingjie([input, '-o', out, '--json']);
  assert.equal(first.status, 1, first.stderr);
  const s = first.summary;
  assert.deepEqual([s.total, s.written, s.skipped, s.failed], [4, 3, 0, 1]);
  const bad = s.files.find((f) => f.status === 'failed');
  assert.equal(path.basename(bad.input), 'not-a-photo.jpg');
  assert.equal(bad.code, 'NotAnImage');
  assert.match(first.stderr, /not-a-photo\.jpg: NotAnImage/);
  assert.deepEqual(fs.readdirSync(out).sort(), PHOTOS.map((p) => p.replace('.png', '-nobg.png')).sort());

  // The CLI's mask is the cut-out's alpha (opaque photos). The e2e engine spec holds the app's
  // WASM mask of the same photo to this same reference (IoU ≥ 0.99, mean |Δα| ≤ 2); IoU distance
  // is a metric, so CLI and app are within the sum of both distances to it. Both runs are the
  // same stages (workers/cutout.ts) on the same graph; only the decoder and the runtime differ.
  for (const p of PHOTOS) {
    const cut = PNG.sync.read(fs.readFileSync(path.join(out, p.replace('.png', '-nobg.png'))));
    const ref = PNG.sync.read(fs.readFileSync(path.join(root, 'test/fixtures/reference', VARIANT, p)));
    assert.deepEqual([cut.width, cut.height], [ref.width, ref.height]);
    const alpha = new Uint8Array(cut.width * cut.height);
    const mask = new Uint8Array(ref.width * ref.height);
    for (let i = 0; i < alpha.length; i++) {
      alpha[i] = cut.data[i * 4 + 3];
      mask[i] = ref.data[i * 4]; // grey, widened to RGBA by pngjs
    }
    const d = compare(alpha, mask);
    console.log(`cli ${VARIANT} ${p}: mean |Δα| ${d.meanAbsDiff.toFixed(3)}, IoU ${d.iou.toFixed(4)}`);
    assert.ok(d.iou >= 0.99, `${p}: IoU ${d.iou}`);
    assert.ok(d.meanAbsDiff <= 2, `${p}: mean |Δα| ${d.meanAbsDiff}`);
  }

  // Resumed: the three outputs are whole, so nothing runs again (the model is not even loaded).
  const mtimes = fs.readdirSync(out).map((f) => fs.statSync(path.join(out, f)).mtimeMs);
  const second = jingjie([input, '-o', out, '--json']);
  assert.equal(second.status, 1);
  assert.deepEqual([second.summary.skipped, second.summary.written, second.summary.failed], [3, 0, 1]);
  assert.deepEqual(
    fs.readdirSync(out).map((f) => fs.statSync(path.join(out, f)).mtimeMs),
    mtimes,
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test('jingjie: every refused file of the app’s input corpus gets the app’s code', async () => {
  const { generateCorpus } = await import('../fixtures/corpus/generate.mjs');
  const corpus = path.join(root, 'test/fixtures/corpus/out');
  const { cases } = await generateCorpus(corpus); // cached in out/ (gitignored)
  const refused = cases.filter((c) => c.expect === 'error');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-cli-corpus-'));
  const list = path.join(dir, 'list.txt');
  fs.writeFileSync(list, refused.map((c) => path.join(corpus, c.file)).join('\n'));
  // Each is refused before the model runs, so the model is never loaded: a few seconds.
  const r = jingjie(['--files-from', list, '-o', path.join(dir, 'out'), '--json']);
  assert.equal(r.status, 1, r.stderr);
  const got = Object.fromEntries(r.summary.files.map((f) => [path.basename(f.input), f.code ?? f.status]));
  assert.deepEqual(got, Object.fromEntries(refused.map((c) => [c.file, c.error])));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('jingjie: a BMP gives the cut-out its pixels give as a PNG (decode-bmp, not libvips)', async () => {
  const { generateCorpus } = await import('../fixtures/corpus/generate.mjs');
  const corpus = path.join(root, 'test/fixtures/corpus/out');
  await generateCorpus(corpus);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-cli-bmp-'));
  const input = path.join(dir, 'in');
  fs.mkdirSync(input);
  // The corpus's 24-bit bottom-up BMP holds the very pixels of ref-upright.png.
  fs.copyFileSync(path.join(corpus, 'image.bmp'), path.join(input, 'same.bmp'));
  fs.copyFileSync(path.join(corpus, 'ref-upright.png'), path.join(input, 'same.png'));
  const r = jingjie([input, '-o', path.join(dir, 'out'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const [a, b] = r.summary.files
    .sort((x, y) => x.input.localeCompare(y.input))
    .map((f) => PNG.sync.read(fs.readFileSync(path.resolve(dir, 'out', f.output))));
  assert.deepEqual([a.width, a.height], [b.width, b.height]);
  assert.ok(Buffer.from(a.data).equals(Buffer.from(b.data)), 'the BMP and the PNG give different cut-outs');
  fs.rmSync(dir, { recursive: true, force: true });
});
