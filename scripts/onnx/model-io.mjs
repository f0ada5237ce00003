// Reads and writes ONNX ModelProto files through the onnx-proto (protobufjs) bindings.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto');

export { onnx };

export const DataType = onnx.TensorProto.DataType;

export function decodeModel(bytes) {
  return onnx.ModelProto.decode(bytes);
}

export function encodeModel(model) {
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

/** Element type of a ValueInfoProto, or undefined when it is not a tensor. */
export function elemTypeOf(valueInfo) {
  return valueInfo?.type?.tensorType?.elemType;
}

export function dimsOf(valueInfo) {
  const dims = valueInfo?.type?.tensorType?.shape?.dim ?? [];
  return dims.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
}

/** Names, element types and shapes of the real graph inputs (initializers excluded). */
export function describe(model) {
  const g = model.graph;
  const inits = new Set(g.initializer.map((t) => t.name));
  const io = (v) => ({ name: v.name, elemType: elemTypeOf(v), dims: dimsOf(v) });
  return {
    inputs: g.input.filter((v) => !inits.has(v.name)).map(io),
    outputs: g.output.map(io),
    nodes: g.node.length,
    initializers: g.initializer.length,
  };
}

/** True when the graph computes in float16 somewhere (so WebGPU needs shader-f16). */
export function computesInFp16(model) {
  const g = model.graph;
  if (g.initializer.some((t) => t.dataType === DataType.FLOAT16)) return true;
  const ioTypes = [...g.input, ...g.output, ...g.valueInfo].map(elemTypeOf);
  if (ioTypes.includes(DataType.FLOAT16)) return true;
  return g.node.some(
    (n) =>
      n.opType === 'Cast' && n.attribute.some((a) => a.name === 'to' && Number(a.i) === DataType.FLOAT16),
  );
}
