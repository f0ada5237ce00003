// Graph surgery: give a graph float32 inputs/outputs when it was exported with float16 ones,
// so every variant takes and returns the same tensor types.
import { DataType, onnx } from './model-io.mjs';

export function ensureFloatIO(model) {
  const g = model.graph;
  const inits = new Set(g.initializer.map((t) => t.name));
  const changed = [];
  const castNode = (input, output, to) =>
    onnx.NodeProto.create({
      opType: 'Cast',
      name: `jingjie_io_cast_${output}`,
      input: [input],
      output: [output],
      attribute: [
        onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: to }),
      ],
    });
  for (const v of g.input) {
    const tt = v.type?.tensorType;
    if (inits.has(v.name) || tt?.elemType !== DataType.FLOAT16) continue;
    const inner = `${v.name}__fp16`;
    for (const n of g.node) n.input = n.input.map((x) => (x === v.name ? inner : x));
    g.node.unshift(castNode(v.name, inner, DataType.FLOAT16));
    tt.elemType = DataType.FLOAT;
    changed.push(`input ${v.name}`);
  }
  for (const v of g.output) {
    const tt = v.type?.tensorType;
    if (tt?.elemType !== DataType.FLOAT16) continue;
    const inner = `${v.name}__fp16`;
    for (const n of g.node) {
      n.input = n.input.map((x) => (x === v.name ? inner : x));
      n.output = n.output.map((x) => (x === v.name ? inner : x));
    }
    g.node.push(castNode(inner, v.name, DataType.FLOAT));
    tt.elemType = DataType.FLOAT;
    changed.push(`output ${v.name}`);
  }
  return changed;
}
