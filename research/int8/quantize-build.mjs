// Builds the isnet-int8 graph (research: it fails the fidelity gate, docs/models.md "int8 QDQ"):
// the prepared fp32 graph quantised with the committed calibration JSON (ranges of the chosen
// method, Convs kept float), deterministic and quick; and the check that onnxruntime really fuses
// it into QLinearConv. `--register` writes it beside the app's graphs and lists it in models.json
// (never as a default) for the browser studies; the next `npm run models` takes it away again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeModel, encodeModel } from '../../scripts/onnx/model-io.mjs';
import { QUANTIZER_VERSION, quantizeQdq } from './quantize.mjs';
import { noteInMetadata } from '../../scripts/onnx/upcast.mjs';
import { applyEqualization, equalizationPlan } from './equalize.mjs';

export { QUANTIZER_VERSION };

export function quantizeFromCalibration(fp32Bytes, calibration) {
  const ranges = calibration.ranges?.[calibration.method];
  if (!ranges) throw new Error(`calibration has no ranges for method '${calibration.method}'`);
  const keepFloat = calibration.keepFloat ?? [];
  const model = decodeModel(fp32Bytes);
  const known = new Set(model.graph.node.map((n) => n.name));
  const unknown = keepFloat.filter((n) => !known.has(n));
  if (unknown.length)
    throw new Error(`calibration keepFloat names no node of the graph: ${unknown.join(', ')}`);
  // Activation equalisation first: the calibrated ranges were measured on the equalised graph.
  const equalized = calibration.equalize
    ? applyEqualization(model, equalizationPlan(model), calibration.equalize.scales)
    : 0;
  const channelMeans = calibration.biasCorrection ? calibration.channelMeans : undefined;
  if (calibration.biasCorrection && !channelMeans) throw new Error('biasCorrection without channelMeans');
  const biasShift =
    calibration.biasShift && calibration.useBiasShift !== false ? calibration.biasShift : undefined;
  const stats = quantizeQdq(model, ranges, keepFloat, {
    channelMeans,
    concatUnion: !!calibration.concatUnion,
    biasShift,
    floatWeights: !!calibration.floatWeights,
  });
  const steps = [
    `static QDQ int8 (uint8 activations, int8 per-channel weights, int32 bias) from the prepared fp32 graph: ` +
      `${stats.convs} Convs quantised, ${stats.keptFloat} kept float, ${stats.reluFolded} Relus folded, ` +
      `${stats.tensors} activation Q/DQ pairs, calibration '${calibration.method}' on ${calibration.photos?.length ?? '?'} photos` +
      (equalized ? `, activations of ${equalized} Conv outputs equalised` : '') +
      (calibration.concatUnion ? ', Concat ranges widened to their inputs' : '') +
      (stats.biasCorrected ? `, bias correction on ${stats.biasCorrected} Convs` : '') +
      (biasShift ? `, measured bias shifts of ${Object.keys(biasShift).length} Convs subtracted` : ''),
  ];
  noteInMetadata(model, 'jingjie.prepared', steps.join('; '));
  noteInMetadata(model, 'jingjie.quantization', `QDQ; keepFloat=${keepFloat.join(',')}`);
  return { bytes: encodeModel(model), steps, stats };
}

/** Op counts after onnxruntime-node's 'extended' optimisation (where the QDQ fusion runs). */
export async function checkFusion(bytes) {
  const ort = await import('onnxruntime-node');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-qdq-'));
  const file = path.join(dir, 'extended.onnx');
  try {
    const s = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'extended',
      optimizedModelFilePath: file,
      intraOpNumThreads: 1,
    });
    await s.release?.();
    const ops = decodeModel(fs.readFileSync(file)).graph.node.map((n) => n.opType);
    const count = (op) => ops.filter((o) => o === op).length;
    return { qlinearConv: count('QLinearConv'), floatConv: count('Conv'), ops: ops.length };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// CLI for trying a recipe without touching the committed calibration:
//   node research/int8/quantize-build.mjs --out /tmp/candidate.onnx
//        [--calibration research/int8/calibration/isnet-int8.json] [--method 'percentile 99.99']
//        [--keep-float a,b] [--bias-correction on|off] [--concat-union on|off]
//        [--bias-shift on|off] [--float-weights (diagnosis: activations only)]
//   node research/int8/quantize-build.mjs --register   (public/models/isnet-int8.onnx + models.json)
async function main() {
  const { fileURLToPath } = await import('node:url');
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const arg = (k, d) => {
    const i = process.argv.indexOf(k);
    return i > 0 ? process.argv[i + 1] : d;
  };
  const calibration = JSON.parse(
    fs.readFileSync(
      arg('--calibration', path.join(root, 'research/int8/calibration/isnet-int8.json')),
      'utf8',
    ),
  );
  calibration.method = arg('--method', calibration.method);
  const keep = arg('--keep-float');
  if (keep !== undefined) calibration.keepFloat = keep ? keep.split(',') : [];
  const union = arg('--concat-union');
  if (union) calibration.concatUnion = union === 'on';
  if (process.argv.includes('--float-weights')) calibration.floatWeights = true;
  const shift = arg('--bias-shift');
  if (shift) calibration.useBiasShift = shift === 'on';
  const bias = arg('--bias-correction');
  if (bias) calibration.biasCorrection = bias === 'on';
  const fp32 = fs.readFileSync(arg('--model', path.join(root, 'public/models/isnet-fp32.onnx')));
  const q = quantizeFromCalibration(fp32, calibration);
  const register = process.argv.includes('--register');
  const out = arg('--out', register ? path.join(root, 'public/models/isnet-int8.onnx') : undefined);
  if (!out) throw new Error('--out FILE or --register');
  fs.writeFileSync(out, q.bytes);
  console.log(q.steps.join('\n'));
  const f = await checkFusion(q.bytes);
  console.log(`onnxruntime-node at 'extended': ${f.qlinearConv} QLinearConv, ${f.floatConv} float Conv`);
  if (f.qlinearConv < q.stats.convs)
    throw new Error('onnxruntime did not fuse the QDQ Convs into QLinearConv');
  if (!register) return;
  const { createHash } = await import('node:crypto');
  const manifestPath = path.join(root, 'public/models/models.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const base = manifest.variants.find((v) => v.id === 'isnet-fp32');
  if (!base) throw new Error('models.json has no isnet-fp32: run npm run models');
  manifest.variants = manifest.variants.filter((v) => v.id !== 'isnet-int8');
  manifest.variants.push({
    ...base,
    id: 'isnet-int8',
    name: base.name.replace(/fp32/, 'int8 QDQ'),
    file: 'isnet-int8.onnx',
    bytes: q.bytes.length,
    sha256: createHash('sha256').update(q.bytes).digest('hex'),
    precision: 'int8',
    backends: ['wasm'],
    // QDQ → QLinearConv fusion happens at 'extended': the browser must not skip it.
    preOptimized: undefined,
    wasmGraphOptimization: undefined,
  });
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`listed isnet-int8 in ${path.relative(root, manifestPath)} (not a default)`);
}

if (process.argv[1] && process.argv[1].endsWith('quantize-build.mjs'))
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
