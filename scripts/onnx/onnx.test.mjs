// Graph surgery on a tiny hand-built graph: prune side outputs, widen fp16 to fp32, cast fp16 I/O.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { onnx, DataType, decodeModel, encodeModel, computesInFp16 } from './model-io.mjs';
import { pruneOutputs } from './prune.mjs';
import { upcastFp16, halfToFloat } from './upcast.mjs';
import { ensureFloatIO } from './float-io.mjs';

const T = onnx.TensorProto;
const vi = (name, elemType) =>
  onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimValue: 1 }, { dimValue: 2 }] } } },
  });
const node = (opType, input, output, attribute = []) =>
  onnx.NodeProto.create({ opType, input, output, name: output[0], attribute });
const castTo = (to) => [
  onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: to }),
];
const half = (values) => {
  // 1.5 -> 0x3e00, 2 -> 0x4000, 0.5 -> 0x3800
  const bits = { 1.5: 0x3e00, 2: 0x4000, 0.5: 0x3800 };
  const raw = new Uint8Array(values.length * 2);
  values.forEach((v, i) => new DataView(raw.buffer).setUint16(i * 2, bits[v], true));
  return raw;
};

// Shaped like the imgly fp16 graph: float32 I/O around an fp16 body, plus a side output.
function fp16Model() {
  return onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 15 }],
    graph: {
      name: 'g',
      input: [vi('input', T.DataType.FLOAT)],
      output: [vi('output', T.DataType.FLOAT), vi('side', T.DataType.FLOAT)],
      initializer: [
        T.create({ name: 'w', dataType: T.DataType.FLOAT16, dims: [1, 2], rawData: half([1.5, 2]) }),
        T.create({ name: 'k', dataType: T.DataType.FLOAT16, dims: [1, 2], rawData: half([0.5, 0.5]) }),
      ],
      node: [
        node('Cast', ['input'], ['x16'], castTo(T.DataType.FLOAT16)),
        node('Mul', ['x16', 'w'], ['y16']),
        node('Cast', ['y16'], ['output'], castTo(T.DataType.FLOAT)),
        node('Add', ['y16', 'k'], ['s16']),
        node('Cast', ['s16'], ['side'], castTo(T.DataType.FLOAT)),
      ],
      valueInfo: [
        vi('x16', T.DataType.FLOAT16),
        vi('y16', T.DataType.FLOAT16),
        vi('s16', T.DataType.FLOAT16),
      ],
    },
  });
}

async function run(model, input = [2, 3], type = 'float32') {
  const session = await ort.InferenceSession.create(encodeModel(model));
  const data = type === 'float32' ? Float32Array.from(input) : undefined;
  const r = await session.run({ input: new ort.Tensor(type, data, [1, 2]) }, ['output']);
  return Array.from(r.output.data);
}

test('halfToFloat decodes normals, subnormals and specials', () => {
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0xc000), -2);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
});

test('prune keeps only output and what it needs', async () => {
  const m = decodeModel(encodeModel(fp16Model()));
  const before = await run(m);
  const stats = pruneOutputs(m, ['output']);
  assert.equal(stats.after.outputs, 1);
  assert.deepEqual(
    m.graph.node.map((n) => n.opType),
    ['Cast', 'Mul', 'Cast'],
  );
  assert.deepEqual(
    m.graph.initializer.map((t) => t.name),
    ['w'],
  );
  assert.deepEqual(await run(decodeModel(encodeModel(m))), before);
});

test('upcast widens weights, removes the casts, keeps names and results', async () => {
  const m = decodeModel(encodeModel(fp16Model()));
  pruneOutputs(m, ['output']);
  const s = upcastFp16(m);
  assert.equal(s.initializers, 1);
  assert.equal(computesInFp16(m), false);
  assert.deepEqual(
    m.graph.node.map((n) => n.opType),
    ['Mul'],
  );
  assert.deepEqual(m.graph.node[0].input, ['input', 'w']);
  assert.deepEqual(m.graph.node[0].output, ['output']);
  assert.deepEqual(await run(decodeModel(encodeModel(m))), [3, 6]);
});

test('ensureFloatIO wraps a float16-I/O graph in casts', async () => {
  const m = decodeModel(encodeModel(fp16Model()));
  pruneOutputs(m, ['output']);
  // Make the I/O float16 by dropping the boundary casts.
  m.graph.node = m.graph.node.filter((n) => n.opType !== 'Cast');
  m.graph.node[0].input = ['input', 'w'];
  m.graph.node[0].output = ['output'];
  m.graph.input[0].type.tensorType.elemType = DataType.FLOAT16;
  m.graph.output[0].type.tensorType.elemType = DataType.FLOAT16;
  assert.deepEqual(ensureFloatIO(m), ['input input', 'output output']);
  assert.deepEqual(await run(decodeModel(encodeModel(m))), [3, 6]);
});
