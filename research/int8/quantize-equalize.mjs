// Measures per-channel activation ranges on the float32 graph and stores activation
// equalisation scales (research/int8/equalize.mjs) in the calibration JSON; optionally writes
// the equalised float graph, whose activation ranges quantize-calibrate.mjs then measures.
//
//   node research/int8/quantize-equalize.mjs [--calibration FILE] [--names a.png,b.jpg]
//        [--max-scale 16] [--percentile 99.99] [--model-out equalised.onnx]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeModel, encodeModel } from '../../scripts/onnx/model-io.mjs';
import { SKIMAGE_DATA, inferShapes, loadPhoto } from './quantize-calibrate.mjs';
import { applyEqualization, equalizationPlan, scalesFor } from './equalize.mjs';
import { preprocess } from '../../test/reference/reference.mjs';
import { cliArg, readCalibrationArg, visitActivations } from './activations.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BINS = 1024;

/** Per channel: the q-th percentile of |x| (1024-bin histogram over [0, channel max]). */
function channelPercentiles(data, C, q) {
  const per = data.length / C;
  const out = new Array(C);
  const hist = new Float64Array(BINS);
  for (let c = 0; c < C; c++) {
    let m = 0;
    for (let i = c * per; i < (c + 1) * per; i++) m = Math.max(m, Math.abs(data[i]));
    if (!(m > 0)) {
      out[c] = 0;
      continue;
    }
    hist.fill(0);
    for (let i = c * per; i < (c + 1) * per; i++)
      hist[Math.min(BINS - 1, Math.floor((Math.abs(data[i]) / m) * BINS))]++;
    let acc = 0;
    let b = 0;
    for (; b < BINS; b++) if ((acc += hist[b]) >= (q / 100) * per) break;
    out[c] = ((b + 1) / BINS) * m;
  }
  return out;
}

/** Per tensor and channel: the widest over photos of the per-photo percentile of |x|. */
export async function measureChannelRanges(bytes, names, shapes, inputs, q) {
  const ranges = new Map();
  await visitActivations(
    bytes,
    names,
    (x) => shapes.get(x),
    inputs,
    (name, t) => {
      const p = channelPercentiles(t.data, t.dims[1], q);
      const old = ranges.get(name);
      ranges.set(name, old ? old.map((v, c) => Math.max(v, p[c])) : p);
    },
  );
  return ranges;
}

async function main() {
  const arg = cliArg;
  const { file: calFile, calibration: cal } = readCalibrationArg();
  const names = arg('--names', cal.photos.map((p) => path.basename(p)).join(',')).split(',');
  const maxScale = Number(arg('--max-scale', cal.equalize?.maxScale ?? 16));
  const q = Number(arg('--percentile', cal.equalize?.percentile ?? 99.99));
  const bytes = fs.readFileSync(arg('--model', path.join(ROOT, 'public/models/isnet-fp32.onnx')));
  const model = decodeModel(bytes);
  const plan = equalizationPlan(model);
  const inputs = [];
  for (const n of names) inputs.push(preprocess(await loadPhoto(path.join(SKIMAGE_DATA, n))));
  const t0 = Date.now();
  const r = await measureChannelRanges(
    bytes,
    plan.map((p) => p.tensor),
    inferShapes(model),
    inputs,
    q,
  );
  console.log(
    `${plan.length} tensors equalisable, channel ranges in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
  cal.equalize = {
    maxScale,
    percentile: q,
    about: `activation equalisation (research/int8/equalize.mjs): per-channel ${q}th percentile of |x| on ${names.join(', ')}, s = R / r capped at ${maxScale}`,
    scales: Object.fromEntries(
      plan.map((p) => [p.tensor, scalesFor(r.get(p.tensor), maxScale).map((v) => Number(v.toPrecision(6)))]),
    ),
  };
  fs.writeFileSync(arg('--out', calFile), JSON.stringify(cal, null, 1) + '\n');
  const modelOut = arg('--model-out');
  if (modelOut) {
    applyEqualization(model, plan, cal.equalize.scales);
    fs.writeFileSync(modelOut, encodeModel(model));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
