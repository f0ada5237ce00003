// Empirical bias correction for the static QDQ int8 graph (Nagel et al. 2019, "Data-Free
// Quantization Through Weight Equalization and Bias Correction", §4.2, the empirical variant
// with calibration data): quantisation shifts the mean of a Conv's output channel (weight
// rounding, and activation clipping and rounding upstream, whose errors do not average to zero
// after a Relu). Per quantised Conv and output channel, E[y_quantised − y_float] is measured on
// the calibration photos (QDQ graph run in float, 'disabled', so every Q/DQ is exact) and
// subtracted from the bias. All Convs are corrected at once and the measurement is repeated
// with the corrected graph (`--iterations`), each pass adding the remaining shift, since a
// correction upstream changes the shift downstream.
//
// That whole-graph version over-corrects in IS-Net (docs/models.md). `--local` measures instead
// only each Conv's own share: the mean error that quantising its input adds, E[Q(x) − x] per
// input channel c (clipping makes it non-zero), measured on the float graph, times the summed
// quantised weights, Σ_c e_c · Σ_k ŵ[o, c, k]; upstream shifts are left to the upstream Convs,
// so nothing is counted twice. Use it together with `biasCorrection` (the weight-rounding part).
//
//   node research/int8/quantize-bias.mjs [--calibration research/int8/calibration/isnet-int8.json]
//        [--names motorcycle_left.png,...] [--iterations 2] [--local] [--out FILE (default: in place)]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeModel, encodeModel } from '../../scripts/onnx/model-io.mjs';
import {
  floatsOf,
  plan,
  quantizeQdq,
  quantizeWeightPerChannel,
  uint8Params,
  widenConcatRanges,
} from './quantize.mjs';
import { SKIMAGE_DATA, inferShapes, loadPhoto } from './quantize-calibrate.mjs';
import { preprocess } from '../../test/reference/reference.mjs';
import { cliArg, readCalibrationArg, visitActivations } from './activations.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Per-channel means of `names` (extra outputs of `bytes`), averaged over `inputs`. */
async function meansOf(bytes, names, shapeOf, inputs) {
  const sums = new Map();
  await visitActivations(bytes, names, shapeOf, inputs, (name, t) => {
    const C = t.dims[1];
    const per = t.data.length / C;
    const acc = sums.get(name) ?? new Float64Array(C);
    for (let c = 0; c < C; c++) {
      let v = 0;
      for (let i = c * per; i < (c + 1) * per; i++) v += t.data[i];
      acc[c] += v / per / inputs.length;
    }
    sums.set(name, acc);
  });
  return sums;
}

/**
 * Measured bias shifts { convName: number[] } for `calibration` (its method, keepFloat,
 * concatUnion), `iterations` passes.
 */
export async function measureBiasShift({
  fp32Bytes,
  calibration,
  photos,
  iterations = 2,
  log = console.log,
}) {
  const inputs = [];
  for (const f of photos) inputs.push(preprocess(await loadPhoto(f)));
  const floatModel = decodeModel(fp32Bytes);
  const shapes = inferShapes(floatModel);
  const keep = new Set(calibration.keepFloat ?? []);
  const convs = floatModel.graph.node.filter((n) => n.opType === 'Conv' && !keep.has(n.name) && n.input[2]);
  const floatOut = new Map(convs.map((n) => [n.name, n.output[0]]));
  const t0 = Date.now();
  const ref = await meansOf(fp32Bytes, [...floatOut.values()], (x) => shapes.get(x), inputs);
  log(`float means: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const shift = Object.fromEntries(convs.map((n) => [n.name, new Array(shapes.get(n.output[0])[1]).fill(0)]));
  for (let it = 0; it < iterations; it++) {
    const m = decodeModel(fp32Bytes);
    quantizeQdq(m, calibration.ranges[calibration.method], calibration.keepFloat ?? [], {
      concatUnion: !!calibration.concatUnion,
      biasShift: shift,
    });
    // After Relu folding a Conv writes its Relu's output name (pre-Relu values, before the Q).
    const qOut = new Map(m.graph.node.filter((n) => floatOut.has(n.name)).map((n) => [n.name, n.output[0]]));
    const byQName = new Map([...qOut].map(([conv, q]) => [q, floatOut.get(conv)]));
    const got = await meansOf(encodeModel(m), [...qOut.values()], (x) => shapes.get(byQName.get(x)), inputs);
    let worst = 0;
    for (const [conv, q] of qOut) {
      const a = got.get(q);
      const b = ref.get(floatOut.get(conv));
      for (let c = 0; c < a.length; c++) {
        const d = a[c] - b[c];
        shift[conv][c] += d;
        worst = Math.max(worst, Math.abs(d));
      }
    }
    log(
      `pass ${it + 1}: largest remaining channel shift ${worst.toFixed(4)}, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  return Object.fromEntries(
    Object.entries(shift).map(([k, v]) => [k, v.map((x) => Number(x.toPrecision(6)))]),
  );
}

/** Per-channel mean of DQ(Q(x)) − x for the uint8 parameters {scale, zeroPoint}. */
function quantErrorMeans(data, C, { scale, zeroPoint }) {
  const per = data.length / C;
  const out = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let e = 0;
    for (let i = c * per; i < (c + 1) * per; i++) {
      const v = data[i];
      const q = Math.min(255, Math.max(0, Math.round(v / scale) + zeroPoint));
      e += (q - zeroPoint) * scale - v;
    }
    out[c] = e / per;
  }
  return out;
}

/** Local bias shifts: per quantised Conv, Σ_c E[Q(x) − x]_c · Σ_k ŵ[o, c, k] (see the header). */
export async function measureLocalShift({ fp32Bytes, calibration, photos, log = console.log }) {
  const inputs = [];
  for (const f of photos) inputs.push(preprocess(await loadPhoto(f)));
  const model = decodeModel(fp32Bytes);
  const shapes = inferShapes(model);
  const p = plan(model, calibration.keepFloat ?? []);
  let ranges = calibration.ranges[calibration.method];
  if (calibration.concatUnion) ranges = widenConcatRanges(model, ranges, p);
  const convs = p.quantised.filter((n) => n.opType === 'Conv' && n.input[2]);
  const params = new Map(convs.map((n) => [n.input[0], uint8Params(...ranges[p.source(n.input[0])])]));
  const names = [...params.keys()];
  const t0 = Date.now();
  const errs = new Map();
  await visitActivations(
    fp32Bytes,
    names,
    (x) => shapes.get(x),
    inputs,
    (name, t) => {
      const e = quantErrorMeans(t.data, t.dims[1], params.get(name));
      const acc = errs.get(name) ?? new Float64Array(e.length);
      for (let c = 0; c < e.length; c++) acc[c] += e[c] / inputs.length;
      errs.set(name, acc);
    },
  );
  log(`input quantisation errors of ${names.length} tensors: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const inits = new Map(model.graph.initializer.map((t) => [t.name, t]));
  const shift = {};
  for (const n of convs) {
    const w = inits.get(n.input[1]);
    const O = Number(w.dims[0]);
    const I = Number(w.dims[1]);
    const { q, scales } = quantizeWeightPerChannel(floatsOf(w), O);
    const k = q.length / (O * I);
    const e = errs.get(n.input[0]);
    shift[n.name] = Array.from({ length: O }, (_, o) => {
      let v = 0;
      for (let c = 0; c < I; c++) {
        let sw = 0;
        for (let i = (o * I + c) * k; i < (o * I + c + 1) * k; i++) sw += q[i];
        v += sw * scales[o] * e[c];
      }
      return Number(v.toPrecision(6));
    });
  }
  return shift;
}

async function main() {
  const arg = cliArg;
  const { file: calFile, calibration } = readCalibrationArg();
  calibration.method = arg('--method', calibration.method);
  const union = arg('--concat-union');
  if (union) calibration.concatUnion = union === 'on';
  const names = arg('--names', calibration.photos.map((p) => path.basename(p)).join(',')).split(',');
  const fp32Bytes = fs.readFileSync(arg('--model', path.join(ROOT, 'public/models/isnet-fp32.onnx')));
  const photos = names.map((n) => path.join(SKIMAGE_DATA, n));
  calibration.biasShift = process.argv.includes('--local')
    ? await measureLocalShift({ fp32Bytes, calibration, photos })
    : await measureBiasShift({ fp32Bytes, calibration, photos, iterations: Number(arg('--iterations', 2)) });
  calibration.biasShiftFor = `${calibration.method}${process.argv.includes('--local') ? ', local' : ''}`;
  fs.writeFileSync(arg('--out', calFile), JSON.stringify(calibration, null, 1) + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
