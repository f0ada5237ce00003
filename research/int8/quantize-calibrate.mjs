// Activation-range calibration for the static QDQ int8 graph: runs the float32 graph natively
// on calibration photos and records, per activation tensor that quantize.mjs quantises, the
// min/max and the percentile range. Writes the committed calibration JSON that
// `npm run models` builds isnet-int8 from (docs/models.md, "int8 QDQ").
//
//   node research/int8/quantize-calibrate.mjs [--model public/models/isnet-fp32.onnx]
//        [--photos DIR] [--out research/int8/calibration/isnet-int8.json]
// The photos come from Debian's python3-skimage (not the test photos); keepFloat and the
// chosen method in an existing output file are kept (quantize-sensitivity.mjs sets them).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { decodeModel } from '../../scripts/onnx/model-io.mjs';
import { plan } from './quantize.mjs';
import { inferShapes } from '../../scripts/onnx/shapes.mjs';

export { inferShapes };
import { preprocess } from '../../test/reference/reference.mjs';
import { visitActivations } from './activations.mjs';

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

/**
 * Clip range [lo, hi] minimising the expected squared error of uint8 quantisation of the values
 * in a histogram: rounding noise step²/12 for every value inside (step = (hi − lo)/255; exact
 * zeros excluded, 0 is exact) plus (v − hi)² / (lo − v)² for every value clipped. The MSE clipping
 * criterion of Banner et al. 2019, "Post training 4-bit quantization of convolutional networks
 * for rapid-deployment" (ACIQ), solved numerically on the histogram instead of with their
 * Gaussian/Laplace prior; onnxruntime/TensorRT offer the related entropy and percentile
 * calibrators. Bin centres stand for their values; lo stays 0 for a non-negative tensor, a signed
 * one alternates optimising hi and lo.
 */
export function mseClip(hist, min, w, zeros = 0) {
  const n = hist.length;
  const c = (b) => min + (b + 0.5) * w;
  // Prefix sums of count, Σv, Σv² over bins.
  const S0 = new Float64Array(n + 1);
  const S1 = new Float64Array(n + 1);
  const S2 = new Float64Array(n + 1);
  for (let b = 0; b < n; b++) {
    S0[b + 1] = S0[b] + hist[b];
    S1[b + 1] = S1[b] + hist[b] * c(b);
    S2[b + 1] = S2[b] + hist[b] * c(b) * c(b);
  }
  // Error for clip edges at bin indices [i, j) (values below bin i clipped to lo, from bin j up to hi).
  const err = (i, j, lo, hi) => {
    const step = (hi - lo) / 255;
    const inside = S0[j] - S0[i] - zeros;
    const above = S2[n] - S2[j] - 2 * hi * (S1[n] - S1[j]) + hi * hi * (S0[n] - S0[j]);
    const below = S2[i] - 2 * lo * S1[i] + lo * lo * S0[i];
    return (Math.max(0, inside) * (step * step)) / 12 + above + below;
  };
  const edge = (b) => min + b * w;
  let i = 0;
  let j = n;
  const signed = min < 0;
  const floor0 = () => Math.min(edge(i), 0);
  for (let it = 0; it < (signed ? 4 : 1); it++) {
    let best = Infinity;
    let bj = j;
    const lo = signed ? floor0() : Math.min(min, 0);
    for (let k = Math.max(i + 1, 1); k <= n; k++) {
      const hi = Math.max(edge(k), 0);
      const e = err(i, k, lo, hi);
      if (e < best) ((best = e), (bj = k));
    }
    j = bj;
    if (!signed) break;
    best = Infinity;
    let bi = i;
    const hi = Math.max(edge(j), 0);
    for (let k = 0; k < j; k++) {
      const e = err(k, j, Math.min(edge(k), 0), hi);
      if (e < best) ((best = e), (bi = k));
    }
    i = bi;
  }
  return [signed ? Math.min(edge(i), 0) : min, Math.max(edge(j), 0)];
}

/** min, max and BINS-bin histogram of one tensor; percentiles and the MSE clip read off it. */
function stats(data, p) {
  let min = Infinity;
  let max = -Infinity;
  let zeros = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (v === 0) zeros++;
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
  return { min, max, pct, mse: mseClip(hist, min, w, zeros) };
}

const MERGED_BINS = 16384;

/** Adds `data` to a histogram of MERGED_BINS bins over the fixed range [lo, hi] (ends clamp). */
function addToHistogram(h, data) {
  const w = (h.hi - h.lo) / MERGED_BINS || 1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === 0) h.zeros++;
    h.bins[Math.max(0, Math.min(MERGED_BINS - 1, Math.floor((v - h.lo) / w)))]++;
  }
  h.count += data.length;
}

/**
 * Ranges from a histogram merged over all photos (as onnxruntime's HistogramCalibrater
 * collects one over the whole calibration set): the percentiles and the MSE clip of the pooled
 * values, so one photo's sparse outliers do not decide the range alone.
 */
function mergedRanges(h, percentiles) {
  const w = (h.hi - h.lo) / MERGED_BINS || 1;
  const at = (q) => {
    const target = q * h.count;
    let acc = 0;
    for (let b = 0; b < MERGED_BINS; b++) {
      acc += h.bins[b];
      if (acc >= target) return h.lo + (b + 1) * w;
    }
    return h.hi;
  };
  const out = { mse: mseClip(h.bins, h.lo, w, h.zeros) };
  for (const q of percentiles)
    out[`percentile ${q}`] = [h.lo >= 0 ? h.lo : Math.min(at(1 - q / 100), 0), Math.min(at(q / 100), h.hi)];
  return out;
}

/** Per-channel mean of an NCHW tensor (N = 1), for bias correction. */
function channelMeans(data, channels) {
  const per = data.length / channels;
  const m = new Array(channels);
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let i = c * per; i < (c + 1) * per; i++) s += data[i];
    m[c] = s / per;
  }
  return m;
}

export async function calibrate({
  modelPath,
  photos,
  percentiles = PERCENTILES,
  log = console.log,
  fixedRanges,
}) {
  const bytes = fs.readFileSync(modelPath);
  const model = decodeModel(bytes);
  const { calibrated } = plan(model);
  const shapes = inferShapes(model);
  // Conv inputs (float graph names) whose per-channel means bias correction needs.
  const convInputs = new Set(model.graph.node.filter((n) => n.opType === 'Conv').map((n) => n.input[0]));
  const names = [...new Set([...calibrated, ...convInputs])];
  const wanted = new Set(calibrated);
  const inputs = [];
  for (const f of photos) inputs.push(preprocess(await loadPhoto(f)));
  const per = new Map(calibrated.map((n) => [n, []]));
  const means = new Map([...convInputs].map((n) => [n, []]));
  // With the min/max of an earlier run: one histogram per tensor over all photos.
  const merged = new Map();
  if (fixedRanges)
    for (const n of calibrated)
      merged.set(n, {
        lo: fixedRanges[n][0],
        hi: fixedRanges[n][1],
        bins: new Float64Array(MERGED_BINS),
        zeros: 0,
        count: 0,
      });
  const t0 = Date.now();
  await visitActivations(
    bytes,
    names,
    (x) => shapes.get(x),
    inputs,
    (name, t) => {
      if (wanted.has(name)) per.get(name).push(stats(t.data, percentiles));
      if (merged.has(name)) addToHistogram(merged.get(name), t.data);
      if (convInputs.has(name)) means.get(name).push(channelMeans(t.data, t.dims[1]));
    },
    (done, total) => log(`batch ${done}/${total}: ${((Date.now() - t0) / 1000).toFixed(0)} s`),
  );
  return {
    perPhoto: Object.fromEntries(per),
    channelMeans: Object.fromEntries(means),
    merged: fixedRanges
      ? Object.fromEntries([...merged].map(([n, h]) => [n, mergedRanges(h, percentiles)]))
      : undefined,
    modelSha256: crypto.createHash('sha256').update(bytes).digest('hex'),
  };
}

/**
 * Ranges per method from per-photo statistics (calibrate().perPhoto): for every method the
 * widest range over the photos ('minmax', 'percentile P', 'mse'), and 'mse mean' (the mean of the
 * per-photo MSE clips). `photos`: indices of the photos to use (default all).
 */
export function combineRanges(perPhoto, photos) {
  const out = { minmax: {}, mse: {}, 'mse mean': {} };
  for (const [name, all] of Object.entries(perPhoto)) {
    const s = photos ? photos.map((i) => all[i]) : all;
    out.minmax[name] = [Math.min(...s.map((x) => x.min)), Math.max(...s.map((x) => x.max))];
    out.mse[name] = [Math.min(...s.map((x) => x.mse[0])), Math.max(...s.map((x) => x.mse[1]))];
    out['mse mean'][name] = [0, 1].map((k) => s.reduce((a, x) => a + x.mse[k], 0) / s.length);
    for (const q of Object.keys(s[0].pct)) {
      const key = `percentile ${q}`;
      out[key] ??= {};
      out[key][name] = [Math.min(...s.map((x) => x.pct[q][0])), Math.max(...s.map((x) => x.pct[q][1]))];
    }
  }
  return out;
}

/** Mean over photos of the per-channel means (calibrate().channelMeans). */
export function combineMeans(channelMeans) {
  return Object.fromEntries(
    Object.entries(channelMeans).map(([name, all]) => [
      name,
      all[0].map((_, c) => Number((all.reduce((a, m) => a + m[c], 0) / all.length).toPrecision(7))),
    ]),
  );
}

const round6 = (r) => r.map((v) => Number(v.toPrecision(7)));

async function main() {
  const arg = (k, d) => {
    const i = process.argv.indexOf(k);
    return i > 0 ? process.argv[i + 1] : d;
  };
  const modelPath = path.resolve(arg('--model', path.join(ROOT, 'public/models/isnet-fp32.onnx')));
  const dir = arg('--photos', SKIMAGE_DATA);
  const out = path.resolve(arg('--out', path.join(ROOT, 'research/int8/calibration/isnet-int8.json')));
  // The photos of the existing calibration file, so a re-calibration measures the same set.
  const previous = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : undefined;
  const names = arg(
    '--names',
    (previous?.photos?.map((p) => path.basename(p)) ?? CALIBRATION_PHOTOS).join(','),
  ).split(',');
  const photos = names.map((f) => path.join(dir, f));
  const missing = photos.filter((f) => !fs.existsSync(f));
  if (missing.length)
    throw new Error(`calibration photos missing: ${missing.join(', ')} (install python3-skimage)`);
  // Two passes: `--merge-from` names a calibration JSON of the same photos whose minmax ranges
  // fix the bins of one merged histogram per tensor ('merged …' methods).
  const mergeFrom = arg('--merge-from');
  const fixedRanges = mergeFrom ? JSON.parse(fs.readFileSync(mergeFrom, 'utf8')).ranges.minmax : undefined;
  const r = await calibrate({ modelPath, photos, fixedRanges });
  const raw = arg('--raw');
  if (raw) fs.writeFileSync(raw, JSON.stringify({ photos: names, ...r }));
  const ranges = combineRanges(r.perPhoto);
  if (r.merged)
    for (const [name, m] of Object.entries(r.merged))
      for (const [method, range] of Object.entries(m)) (ranges[`merged ${method}`] ??= {})[name] = range;
  const old = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : {};
  const result = {
    about:
      'Activation ranges for the static QDQ int8 IS-Net graph (research/int8/quantize.mjs), ' +
      'measured on the float32 graph by research/int8/quantize-calibrate.mjs; see docs/models.md.',
    model: `isnet-fp32.onnx sha256 ${r.modelSha256}`,
    photos: names.map((f) => `skimage/data/${f}`),
    method: old.method ?? 'percentile 99.99',
    methods: {
      minmax: 'min and max over all photos',
      'percentile P':
        'per photo the Pth percentile of the values (and for signed tensors the (100 − P)th), ' +
        'read off a 4096-bin histogram, then the widest over photos',
      mse:
        'per photo the clip range minimising the expected uint8 quantisation + clipping squared ' +
        'error on the histogram (Banner et al. 2019), then the widest over photos',
      'mse mean': 'the mse clip range averaged over photos',
      'merged percentile P': 'the Pth percentile of the values of all photos together (one histogram)',
      'merged mse': 'the MSE clip (Banner et al. 2019) of the values of all photos together',
    },
    keepFloat: old.keepFloat ?? [],
    keepFloatWhy: old.keepFloatWhy ?? '',
    biasCorrection: old.biasCorrection ?? false,
    ranges: Object.fromEntries(
      Object.entries(ranges).map(([m, t]) => [
        m,
        Object.fromEntries(Object.entries(t).map(([k, v]) => [k, round6(v)])),
      ]),
    ),
    channelMeans: combineMeans(r.channelMeans),
  };
  // Settings made by the other tools (equalisation scales, options) survive a re-calibration.
  for (const [k, v] of Object.entries(old)) if (!(k in result)) result[k] = v;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
  console.log(`wrote ${path.relative(ROOT, out)}: ${Object.keys(r.perPhoto).length} tensors`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
