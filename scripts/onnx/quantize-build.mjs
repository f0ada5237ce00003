// Builds the isnet-int8 graph for `npm run models`: the prepared fp32 graph quantised with the
// committed calibration JSON (ranges of the chosen method, Convs kept float), deterministic and
// quick; and the check that onnxruntime really fuses it into QLinearConv.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeModel, encodeModel } from './model-io.mjs';
import { QUANTIZER_VERSION, quantizeQdq } from './quantize.mjs';
import { noteInMetadata } from './upcast.mjs';

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
  const stats = quantizeQdq(model, ranges, keepFloat);
  const steps = [
    `static QDQ int8 (uint8 activations, int8 per-channel weights, int32 bias) from the prepared fp32 graph: ` +
      `${stats.convs} Convs quantised, ${stats.keptFloat} kept float, ${stats.reluFolded} Relus folded, ` +
      `${stats.tensors} activation Q/DQ pairs, calibration '${calibration.method}' on ${calibration.photos?.length ?? '?'} photos`,
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
