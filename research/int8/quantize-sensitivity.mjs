// Sensitivity pass for the static QDQ int8 graph: which Convs to keep in float. Compares QDQ
// graphs with the float32 graph on calibration photos (never the test photos), by the 1024²
// output min-max normalised to 0..255: p99.9 and mean of |Δ|. Budgeted for a slow machine:
// one graph per block of Convs (IS-Net stage), then per Conv inside the worst blocks.
//
//   node research/int8/quantize-sensitivity.mjs [--photos rocket.jpg,motorcycle_left.png]
//        [--calibration research/int8/calibration/isnet-int8.json] [--method NAME] [--top 3]
//        [--mode only|leave] [--convs a,b] (score these Convs one by one)
// The calibration's biasCorrection and concatUnion apply as in quantize-build.mjs; each Conv's
// share of the graph's multiply-accumulates is printed (what keeping it float costs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel } from '../../scripts/onnx/model-io.mjs';
import { quantizeQdq } from './quantize.mjs';
import { SKIMAGE_DATA, loadPhoto } from './quantize-calibrate.mjs';
import { inferShapes } from '../../scripts/onnx/shapes.mjs';
import { preprocess } from '../../test/reference/reference.mjs';
import { cliArg, readCalibrationArg } from './activations.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Output normalised like the reference post-processing (min-max, ×255), at 1024². */
function normalised(out) {
  let mi = Infinity;
  let ma = -Infinity;
  for (const v of out) ((mi = Math.min(mi, v)), (ma = Math.max(ma, v)));
  const r = new Float32Array(out.length);
  for (let i = 0; i < out.length; i++) r[i] = ((out[i] - mi) / (ma - mi)) * 255;
  return r;
}

/** p99.9 and mean of |a − b| (0..255 floats), over all pixels. */
export function errorOf(a, b) {
  const hist = new Float64Array(2560);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    hist[Math.min(2559, Math.floor(d * 10))]++;
  }
  let acc = 0;
  let p999 = 0;
  for (let k = 0; k < 2560; k++) {
    acc += hist[k];
    if (acc >= 0.999 * a.length) {
      p999 = (k + 1) / 10;
      break;
    }
  }
  return { p999, mean: sum / a.length };
}

export async function runGraph(bytes, inputs, level) {
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level });
  const outs = [];
  for (const x of inputs) {
    const r = await s.run({ input: new ort.Tensor('float32', x, [1, 3, 1024, 1024]) }, ['output']);
    outs.push(normalised(r.output.data));
  }
  await s.release();
  return outs;
}

/** The block a Conv belongs to: its IS-Net stage (/stage3d/...), or its own name. */
const blockOf = (name) => name.split('/')[1] ?? name;

async function main() {
  const arg = cliArg;
  const { calibration: cal } = readCalibrationArg();
  const method = arg('--method', cal.method);
  const level = arg('--level', 'all');
  const top = Number(arg('--top', 3));
  const photos = arg('--photos', 'rocket.jpg,motorcycle_left.png').split(',');
  const fp32 = fs.readFileSync(path.join(ROOT, 'public/models/isnet-fp32.onnx'));
  const inputs = [];
  for (const p of photos) inputs.push(preprocess(await loadPhoto(path.join(SKIMAGE_DATA, p))));
  const t0 = Date.now();
  const ref = await runGraph(fp32, inputs, 'disabled');
  const graphNodes = decodeModel(fp32).graph.node;
  const nodes = graphNodes.map((n) => n.name);
  const convs = graphNodes.filter((n) => n.opType === 'Conv').map((n) => n.name);
  // mode 'only': one block (or Conv) quantised alone, every other node float: its own error.
  // mode 'leave': everything quantised except one block (all its nodes) kept float.
  const mode = arg('--mode', 'only');
  const evaluate = async (keep) => {
    const m = decodeModel(fp32);
    quantizeQdq(m, cal.ranges[method], keep, {
      channelMeans: cal.biasCorrection ? cal.channelMeans : undefined,
      concatUnion: !!cal.concatUnion,
    });
    const outs = await runGraph(encodeModel(m), inputs, level);
    const e = outs.map((o, i) => errorOf(o, ref[i]));
    return {
      p999: Math.max(...e.map((x) => x.p999)),
      mean: e.reduce((a, x) => a + x.mean, 0) / e.length,
    };
  };
  const fmt = (e) => `p99.9 ${e.p999.toFixed(1)}, mean ${e.mean.toFixed(3)}`;
  const log = (s) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${s}`);
  const keepFloat = cal.keepFloat ?? [];
  const base = process.argv.includes('--no-base') ? undefined : await evaluate(keepFloat);
  if (base) log(`quantised (${method}, ${level}, keepFloat ${JSON.stringify(keepFloat)}): ${fmt(base)}`);
  if (process.argv.includes('--base-only')) return;
  const keepFor = (members) =>
    mode === 'only' ? nodes.filter((c) => !members.includes(c)) : [...new Set([...keepFloat, ...members])];
  const only = arg('--blocks');
  const blocks = [...new Set(convs.map(blockOf))].filter((b) => !only || only.split(',').includes(b));
  const byBlock = [];
  for (const b of blocks) {
    const e = await evaluate(keepFor(nodes.filter((c) => blockOf(c) === b)));
    byBlock.push({ block: b, ...e });
    log(`block ${b} ${mode === 'only' ? 'alone quantised' : 'kept float'}: ${fmt(e)}`);
  }
  // Most sensitive first.
  const worse = (a, b) => (mode === 'only' ? b.p999 - a.p999 : a.p999 - b.p999);
  byBlock.sort(worse);
  const perConv = [];
  for (const { block } of byBlock.slice(0, top)) {
    for (const c of convs.filter((x) => blockOf(x) === block)) {
      const e = await evaluate(keepFor([c]));
      perConv.push({ conv: c, ...e });
      log(`conv ${c} ${mode === 'only' ? 'alone quantised' : 'kept float'}: ${fmt(e)}`);
    }
  }
  const shapes = inferShapes(decodeModel(fp32));
  const inits = new Map(decodeModel(fp32).graph.initializer.map((t) => [t.name, t]));
  const macs = new Map(
    graphNodes
      .filter((n) => n.opType === 'Conv')
      .map((n) => {
        const w = inits.get(n.input[1]).dims.map(Number);
        const y = shapes.get(n.output[0]);
        return [n.name, y[2] * y[3] * w.reduce((a, d) => a * d, 1)];
      }),
  );
  const total = [...macs.values()].reduce((a, b) => a + b, 0);
  const listed = arg('--convs');
  for (const c of listed ? listed.split(',') : []) {
    const e = await evaluate(keepFor([c]));
    perConv.push({ conv: c, ...e });
    log(`conv ${c} ${mode === 'only' ? 'alone quantised' : 'kept float'}: ${fmt(e)}`);
  }
  for (const r of perConv) r.macShare = Number((macs.get(r.conv) / total).toFixed(5));
  perConv.sort(worse);
  console.log(JSON.stringify({ method, level, mode, photos, base, byBlock, perConv }, null, 1));
}
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
