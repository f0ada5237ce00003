// Activation-range calibration for the static QDQ int8 graph: runs the float32 graph natively
// on calibration photos and records, per activation tensor that quantize.mjs quantises, the
// min/max and the percentile range. Writes the committed calibration JSON that
// `npm run models` builds isnet-int8 from (docs/models.md, "int8 QDQ").
//
//   node scripts/onnx/quantize-calibrate.mjs [--model public/models/isnet-fp32.onnx]
//        [--photos DIR] [--out scripts/onnx/calibration/isnet-int8.json]
// The photos come from Debian's python3-skimage (not the test photos); keepFloat and the
// chosen method in an existing output file are kept (quantize-sensitivity.mjs sets them).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { decodeModel, encodeModel, onnx, DataType } from './model-io.mjs';
import { plan } from './quantize.mjs';
import { preprocess } from '../../test/reference/reference.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SKIMAGE_DATA = '/usr/lib/python3/dist-packages/skimage/data';
// Colour photos with a subject plus two greyscale ones (widened to RGB); none is a test photo
// (astronaut, chelsea, coffee).
export const CALIBRATION_PHOTOS = [
  'rocket.jpg',
  'motorcycle_left.png',
  'logo.png',
  'retina.jpg',
  'ihc.png',
  'hubble_deep_field.jpg',
  'camera.png',
  'coins.png',
];
export const PERCENTILES = [99.9, 99.99, 99.999];
const BINS = 4096;
const BATCH_BYTES = 700 * 2 ** 20;

/** A photo as planar float32 RGB 0..255 (what test/reference/reference.mjs preprocesses). */
export async function loadPhoto(file) {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  const planes = new Float32Array(3 * width * height);
  for (let p = 0; p < width * height; p++)
    for (let c = 0; c < 3; c++)
      planes[c * width * height + p] = data[p * channels + Math.min(c, channels - 1)];
  return { width, height, channels: 3, planes };
}

/** Static shapes of the IS-Net float graph's activations (Conv, pools, Resize, Concat, ...). */
export function inferShapes(model, inputDims = [1, 3, 1024, 1024]) {
  const g = model.graph;
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const shape = new Map([[g.input[0].name, inputDims]]);
  const attr = (n, name, d) => {
    const a = n.attribute.find((x) => x.name === name);
    return a ? (a.ints.length ? a.ints.map(Number) : Number(a.i)) : d;
  };
  for (const n of g.node) {
    const x = shape.get(n.input[0]);
    let y;
    if (n.opType === 'Conv' || n.opType === 'MaxPool') {
      const k =
        n.opType === 'Conv' ? inits.get(n.input[1]).dims.slice(2).map(Number) : attr(n, 'kernel_shape');
      const s = attr(n, 'strides', [1, 1]);
      const p = attr(n, 'pads', [0, 0, 0, 0]);
      const d = attr(n, 'dilations', [1, 1]);
      const c = n.opType === 'Conv' ? Number(inits.get(n.input[1]).dims[0]) : x[1];
      const out = (i) => Math.floor((x[2 + i] + p[i] + p[i + 2] - d[i] * (k[i] - 1) - 1) / s[i]) + 1;
      y = [1, c, out(0), out(1)];
    } else if (n.opType === 'Resize') {
      const sizes = inits.get(n.input[3]);
      y = sizes.int64Data.length
        ? sizes.int64Data.map(Number)
        : [...new BigInt64Array(new Uint8Array(sizes.rawData).buffer)].map(Number);
    } else if (n.opType === 'Concat') {
      y = [...x];
      y[1] = n.input.reduce((a, i) => a + shape.get(i)[1], 0);
    } else y = x;
    shape.set(n.output[0], y);
  }
  return shape;
}

/** min, max and BINS-bin histogram of one tensor; percentiles read off the histogram. */
function stats(data, p) {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const hist = new Float64Array(BINS);
  const w = (max - min) / BINS || 1;
  for (let i = 0; i < data.length; i++) hist[Math.min(BINS - 1, Math.floor((data[i] - min) / w))]++;
  const at = (q) => {
    const target = q * data.length;
    let acc = 0;
    for (let b = 0; b < BINS; b++) {
      acc += hist[b];
      if (acc >= target) return min + (b + 1) * w;
    }
    return max;
  };
  // Non-negative tensors (after Relu) keep 0 as their floor; signed ones clip both tails.
  const pct = {};
  for (const q of p) pct[q] = [min >= 0 ? min : Math.min(at(1 - q / 100), 0), Math.min(at(q / 100), max)];
  return { min, max, pct };
}

export async function calibrate({ modelPath, photos, percentiles = PERCENTILES, log = console.log }) {
  const bytes = fs.readFileSync(modelPath);
  const model = decodeModel(bytes);
  const { calibrated } = plan(model);
  const shapes = inferShapes(model);
  const inputs = [];
  for (const f of photos) inputs.push(preprocess(await loadPhoto(f)));
  // Batches of extra graph outputs small enough to hold at once.
  const batches = [];
  let cur = [];
  let size = 0;
  for (const name of calibrated) {
    const b = shapes.get(name).reduce((a, d) => a * d, 4);
    if (cur.length && size + b > BATCH_BYTES) (batches.push(cur), (cur = []), (size = 0));
    cur.push(name);
    size += b;
  }
  if (cur.length) batches.push(cur);
  const per = new Map(calibrated.map((n) => [n, []]));
  const t0 = Date.now();
  for (const [bi, names] of batches.entries()) {
    const m = decodeModel(bytes);
    const known = new Set(m.graph.output.map((o) => o.name));
    for (const name of names)
      if (!known.has(name))
        m.graph.output.push(
          onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: DataType.FLOAT } } }),
        );
    const session = await ort.InferenceSession.create(encodeModel(m), { graphOptimizationLevel: 'disabled' });
    for (const input of inputs) {
      const r = await session.run({ input: new ort.Tensor('float32', input, [1, 3, 1024, 1024]) }, names);
      for (const name of names) per.get(name).push(stats(r[name].data, percentiles));
    }
    await session.release();
    log(
      `batch ${bi + 1}/${batches.length}: ${names.length} tensors, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  const minmax = {};
  const pct = Object.fromEntries(percentiles.map((q) => [q, {}]));
  for (const [name, s] of per) {
    minmax[name] = [Math.min(...s.map((x) => x.min)), Math.max(...s.map((x) => x.max))];
    for (const q of percentiles)
      pct[q][name] = [Math.min(...s.map((x) => x.pct[q][0])), Math.max(...s.map((x) => x.pct[q][1]))];
  }
  return { minmax, percentile: pct, modelSha256: crypto.createHash('sha256').update(bytes).digest('hex') };
}

const round6 = (r) => r.map((v) => Number(v.toPrecision(7)));

async function main() {
  const arg = (k, d) => {
    const i = process.argv.indexOf(k);
    return i > 0 ? process.argv[i + 1] : d;
  };
  const modelPath = path.resolve(arg('--model', path.join(ROOT, 'public/models/isnet-fp32.onnx')));
  const dir = arg('--photos', SKIMAGE_DATA);
  const out = path.resolve(arg('--out', path.join(ROOT, 'scripts/onnx/calibration/isnet-int8.json')));
  const names = arg('--names', CALIBRATION_PHOTOS.join(',')).split(',');
  const photos = names.map((f) => path.join(dir, f));
  const missing = photos.filter((f) => !fs.existsSync(f));
  if (missing.length)
    throw new Error(`calibration photos missing: ${missing.join(', ')} (install python3-skimage)`);
  const r = await calibrate({ modelPath, photos });
  const old = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : {};
  const result = {
    about:
      'Activation ranges for the static QDQ int8 IS-Net graph (scripts/onnx/quantize.mjs), ' +
      'measured on the float32 graph by scripts/onnx/quantize-calibrate.mjs; see docs/models.md.',
    model: `isnet-fp32.onnx sha256 ${r.modelSha256}`,
    photos: names.map((f) => `skimage/data/${f}`),
    method: old.method ?? 'percentile 99.99',
    methods: {
      minmax: 'min and max over all photos',
      'percentile P':
        'per photo the Pth percentile of the values (and for signed tensors the (100 − P)th), ' +
        'read off a 4096-bin histogram, then the widest over photos',
    },
    keepFloat: old.keepFloat ?? [],
    keepFloatWhy: old.keepFloatWhy ?? '',
    ranges: {
      minmax: Object.fromEntries(Object.entries(r.minmax).map(([k, v]) => [k, round6(v)])),
      ...Object.fromEntries(
        PERCENTILES.map((q) => [
          `percentile ${q}`,
          Object.fromEntries(Object.entries(r.percentile[q]).map(([k, v]) => [k, round6(v)])),
        ]),
      ),
    },
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
  console.log(`wrote ${path.relative(ROOT, out)}: ${Object.keys(r.minmax).length} tensors`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
