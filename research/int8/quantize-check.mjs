// Fidelity gates of a graph against the float32 reference masks: IoU at 128, mean, 99.9th
// percentile and max of |Δα| per test photo, masks made the reference way at the photo's size
// (test/reference/reference.mjs). Also the cheaper proxy used by the sensitivity pass.
//
//   node research/int8/quantize-check.mjs public/models/isnet-int8.onnx [--level all]
//        [--photos skimage:rocket.jpg,skimage:camera.png]
// `--photos` scores held-out photos instead of the test photos (for choosing a recipe without
// looking at the test photos): skimage:NAME is a Debian python3-skimage photo, its reference
// mask made the same way from the fp32 graph (cached in the temp folder).
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { decodePng, postprocess, preprocess } from '../../test/reference/reference.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TEST_PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png'];
export const GATES = { iou: 0.99, mean: 1, p999: 16 };

/** IoU of a ≥ 128 and b ≥ 128, mean/max and 99.9th percentile of |a − b| (0..255). */
export function maskFigures(a, b, threshold = 128) {
  if (a.length !== b.length) throw new Error(`mask sizes differ: ${a.length} vs ${b.length}`);
  const hist = new Float64Array(256);
  let sum = 0;
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    hist[d]++;
    sum += d;
    const x = a[i] >= threshold;
    const y = b[i] >= threshold;
    if (x && y) inter++;
    if (x || y) union++;
  }
  let max = 0;
  for (let d = 0; d < 256; d++) if (hist[d]) max = d;
  let acc = 0;
  let p999 = 0;
  for (let d = 0; d < 256; d++) {
    acc += hist[d];
    if (acc >= 0.999 * a.length) {
      p999 = d;
      break;
    }
  }
  return { iou: union ? inter / union : 1, mean: sum / a.length, p999, max };
}

export const passes = (f) => f.iou >= GATES.iou && f.mean <= GATES.mean && f.p999 <= GATES.p999;

function readGrey(file) {
  const png = PNG.sync.read(fs.readFileSync(file));
  const out = new Uint8Array(png.width * png.height);
  for (let i = 0; i < out.length; i++) out[i] = png.data[i * 4];
  return out;
}

const SKIMAGE = 'skimage:';

/** A photo (test photo name or skimage:NAME) and its fp32 reference mask. */
async function photoAndReference(photo, reference) {
  if (!photo.startsWith(SKIMAGE)) {
    const image = decodePng(fs.readFileSync(path.join(ROOT, 'test/fixtures/photos', photo)));
    return { image, ref: readGrey(path.join(ROOT, 'test/fixtures/reference', reference, photo)) };
  }
  const { SKIMAGE_DATA, loadPhoto } = await import('./quantize-calibrate.mjs');
  const name = photo.slice(SKIMAGE.length);
  const image = await loadPhoto(path.join(SKIMAGE_DATA, name));
  const cache = path.join(os.tmpdir(), `jingjie-qdq-ref-${reference}-${name}.bin`);
  if (!fs.existsSync(cache)) {
    const s = await ort.InferenceSession.create(path.join(ROOT, 'public/models', `${reference}.onnx`));
    const r = await s.run({ input: new ort.Tensor('float32', preprocess(image), [1, 3, 1024, 1024]) }, [
      'output',
    ]);
    await s.release();
    fs.writeFileSync(cache, postprocess(r.output.data, 1024, 1024, image.width, image.height));
  }
  return { image, ref: new Uint8Array(fs.readFileSync(cache)) };
}

/** Gate figures of `model` (bytes or path) on every test photo against the fp32 masks. */
export async function checkGates(
  model,
  { level = 'all', reference = 'isnet-fp32', threads, photos = TEST_PHOTOS } = {},
) {
  const opts = { graphOptimizationLevel: level };
  if (threads) opts.intraOpNumThreads = threads;
  const session = await ort.InferenceSession.create(model, opts);
  const rows = [];
  for (const photo of photos) {
    const { image, ref } = await photoAndReference(photo, reference);
    const t0 = performance.now();
    const r = await session.run({ input: new ort.Tensor('float32', preprocess(image), [1, 3, 1024, 1024]) }, [
      'output',
    ]);
    const ms = performance.now() - t0;
    const mask = postprocess(r.output.data, 1024, 1024, image.width, image.height);
    rows.push({ photo, ms, ...maskFigures(mask, ref) });
  }
  await session.release();
  return rows;
}

async function main() {
  const file = process.argv[2];
  const i = process.argv.indexOf('--level');
  const level = i > 0 ? process.argv[i + 1] : 'all';
  const j = process.argv.indexOf('--photos');
  const photos = j > 0 ? process.argv[j + 1].split(',') : TEST_PHOTOS;
  const rows = await checkGates(path.resolve(file), { level, photos });
  for (const r of rows)
    console.log(
      `${r.photo}: IoU ${r.iou.toFixed(5)}, mean ${r.mean.toFixed(3)}, p99.9 ${r.p999}, max ${r.max}` +
        ` (${r.ms.toFixed(0)} ms) ${passes(r) ? 'pass' : 'FAIL'}`,
    );
  process.exit(rows.every(passes) ? 0 : 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
