// Reading a float graph's inner activations with onnxruntime-node, for the quantisation tools
// (calibration, equalisation, bias measurement): the wanted tensors are added as extra graph
// outputs, in batches small enough to hold at once, and each photo is run once per batch.
// Also the command-line bits those tools share.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel, onnx, DataType } from '../../scripts/onnx/model-io.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The float32 activations one batch may hold at once (one photo's worth). */
export const BATCH_BYTES = 700 * 2 ** 20;

/** `names` split into batches whose float32 tensors (shapes from `shapeOf`) fit in `maxBytes`. */
export function batchesOf(names, shapeOf, maxBytes = BATCH_BYTES) {
  const batches = [];
  let cur = [];
  let size = 0;
  for (const name of names) {
    const b = shapeOf(name).reduce((a, d) => a * d, 4);
    if (cur.length && size + b > maxBytes) (batches.push(cur), (cur = []), (size = 0));
    cur.push(name);
    size += b;
  }
  if (cur.length) batches.push(cur);
  return batches;
}

/**
 * Runs the graph `bytes` on every input (1×3×1024×1024 float32) with `names` as extra outputs,
 * batch by batch, and calls `visit(name, tensor, inputIndex)` for each tensor of each run;
 * `onBatch(done, total)` after each batch. Graph optimisation is off, so the names stay.
 */
export async function visitActivations(bytes, names, shapeOf, inputs, visit, onBatch = () => {}) {
  const batches = batchesOf(names, shapeOf);
  for (const [bi, batch] of batches.entries()) {
    const m = decodeModel(bytes);
    const known = new Set(m.graph.output.map((o) => o.name));
    for (const name of batch)
      if (!known.has(name))
        m.graph.output.push(
          onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: DataType.FLOAT } } }),
        );
    const session = await ort.InferenceSession.create(encodeModel(m), { graphOptimizationLevel: 'disabled' });
    for (const [xi, x] of inputs.entries()) {
      const r = await session.run({ input: new ort.Tensor('float32', x, [1, 3, 1024, 1024]) }, batch);
      for (const name of batch) visit(name, r[name], xi);
    }
    await session.release();
    onBatch(bi + 1, batches.length);
  }
}

/** `--key value` from the command line, else `fallback`. */
export function cliArg(key, fallback) {
  const i = process.argv.indexOf(key);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** The calibration JSON named by `--calibration` (default: the committed one) and its path. */
export function readCalibrationArg() {
  const file = path.resolve(
    cliArg('--calibration', path.join(ROOT, 'research/int8/calibration/isnet-int8.json')),
  );
  return { file, calibration: JSON.parse(fs.readFileSync(file, 'utf8')) };
}
