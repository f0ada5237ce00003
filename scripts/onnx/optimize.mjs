// Offline graph optimisation: let onnxruntime-node apply its graph rewrites once, at preparation
// time, and save the result, so that the browser can create its session with
// graphOptimizationLevel 'disabled' instead of redoing them (slowly, in WASM) on every load.
//
// Only the 'basic' level is saved: its rewrites (constant folding, redundant-node elimination,
// Conv/Add/Mul folds) are the same for every execution provider. 'extended' and 'all' produce
// kernels of the CPU provider (com.microsoft FusedConv, NCHWc layouts) that are not portable, so
// a graph where 'extended' would still fuse something keeps 'all' in the browser (see
// extendedAddsNothing).
// A graph with float16 compute must not go through here: onnxruntime-node's CPU provider has no
// float16 kernels, so it inserts Casts to float32 around every node before saving, which would
// bake its own workaround into a file WebGPU would otherwise run in float16.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeModel } from './model-io.mjs';

export const OFFLINE_LEVEL = 'basic';

/**
 * Optimise `bytes` (an encoded ModelProto) with onnxruntime-node at `level` and return the
 * decoded result. Opset imports that no node uses are dropped (onnxruntime lists every domain
 * it knows); metadata_props survive the round trip.
 */
export async function optimizeOffline(bytes, level = OFFLINE_LEVEL) {
  if (level !== 'basic')
    throw new Error(`offline optimisation at '${level}' is provider-specific; use 'basic'`);
  return optimizeWith(bytes, level);
}

/**
 * True when onnxruntime's 'extended' level (the CPU provider's fusions, e.g. Conv+Relu into
 * FusedConv) would change nothing in `bytes` beyond 'basic'. Only then does a session created
 * with optimisation 'disabled' on the offline-optimised graph lose nothing at run time.
 */
export async function extendedAddsNothing(bytes) {
  const basic = await optimizeWith(bytes, 'basic');
  const extended = await optimizeWith(bytes, 'extended');
  const ops = (m) => m.graph.node.map((n) => `${n.domain || ''}:${n.opType}`).join(',');
  return ops(basic.model) === ops(extended.model);
}

async function optimizeWith(bytes, level) {
  const ort = await import('onnxruntime-node');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-opt-'));
  const file = path.join(dir, 'optimized.onnx');
  try {
    const session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: level,
      optimizedModelFilePath: file,
      intraOpNumThreads: 1,
    });
    await session.release?.();
    const model = decodeModel(fs.readFileSync(file));
    const used = new Set(model.graph.node.map((n) => n.domain || ''));
    model.opsetImport = model.opsetImport.filter((o) => used.has(o.domain || ''));
    const inserted = model.graph.node.filter((n) => n.name.startsWith('InsertedPrecisionFreeCast')).length;
    if (inserted)
      throw new Error(`onnxruntime inserted ${inserted} float16 Casts: this graph computes in float16`);
    return {
      model,
      nodes: model.graph.node.length,
      initializers: model.graph.initializer.length,
      ortVersion: ort.env.versions?.node,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
