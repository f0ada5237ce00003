// Offline optimisation on tiny hand-built graphs: folds what is constant, keeps names, results
// and metadata, and refuses a float16-compute graph.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { onnx, encodeModel } from './model-io.mjs';
import { noteInMetadata } from './upcast.mjs';
import { extendedAddsNothing, optimizeOffline } from './optimize.mjs';

const T = onnx.TensorProto;
const vi = (name, elemType, dims) =>
  onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
const node = (opType, input, output, attribute = []) =>
  onnx.NodeProto.create({ opType, input, output, name: output[0], attribute });
const f32 = (name, dims, values) => T.create({ name, dataType: T.DataType.FLOAT, dims, floatData: values });
const i64 = (name, values) =>
  T.create({ name, dataType: T.DataType.INT64, dims: [values.length], int64Data: values });

/** A float32 [1,2,1,1] → [1,2,1,1] graph with these initializers and nodes. */
const model = (initializer, nodes) =>
  onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 15 }],
    graph: {
      name: 'g',
      input: [vi('input', T.DataType.FLOAT, [1, 2, 1, 1])],
      output: [vi('output', T.DataType.FLOAT, [1, 2, 1, 1])],
      initializer,
      node: nodes,
    },
  });

// Like the quantized IS-Net graph: a weight reshaped at run time by a constant shape, then used.
function foldableModel(elemType = T.DataType.FLOAT) {
  const m = model(
    [f32('w', [2], [1.5, -2]), i64('shape', [1, 2, 1, 1]), f32('b', [1], [0.25])],
    [
      node('Reshape', ['w', 'shape'], ['w4']),
      node('Mul', ['input', 'w4'], ['y']),
      node('Add', ['y', 'b'], ['z']),
      node('Relu', ['z'], ['output']),
    ],
  );
  if (elemType === T.DataType.FLOAT16) {
    // float16 body like the imgly fp16 graph: input cast down, a 1x1 Conv with float16 weights,
    // cast back up. 1.0 and 0.5 in float16 are 0x3c00 and 0x3800.
    const raw = new Uint8Array(8);
    [0x3c00, 0, 0, 0x3800].forEach((h, i) => new DataView(raw.buffer).setUint16(i * 2, h, true));
    const to = (t) => [
      onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: t }),
    ];
    m.graph.node = [
      node('Cast', ['input'], ['x16'], to(T.DataType.FLOAT16)),
      node('Conv', ['x16', 'k16'], ['c16']),
      node('Cast', ['c16'], ['output'], to(T.DataType.FLOAT)),
    ];
    m.graph.initializer = [
      T.create({ name: 'k16', dataType: T.DataType.FLOAT16, dims: [2, 2, 1, 1], rawData: raw }),
    ];
  }
  noteInMetadata(m, 'jingjie.prepared', 'test');
  return m;
}

async function run(bytes, level = 'disabled') {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level });
  const r = await session.run(
    { input: new ort.Tensor('float32', Float32Array.from([3, 0.5]), [1, 2, 1, 1]) },
    ['output'],
  );
  return Array.from(r.output.data);
}

test('optimizeOffline folds constant subgraphs and keeps results, names and metadata', async () => {
  const bytes = encodeModel(foldableModel());
  const before = await run(bytes);
  assert.deepEqual(before, [4.75, 0]);
  const o = await optimizeOffline(bytes);
  const names = o.model.graph.node.map((n) => n.opType);
  assert.ok(!names.includes('Reshape'), `Reshape of a constant should be folded: ${names}`);
  assert.ok(o.nodes < 4);
  assert.deepEqual(
    o.model.graph.input.map((v) => v.name),
    ['input'],
  );
  assert.deepEqual(
    o.model.graph.output.map((v) => v.name),
    ['output'],
  );
  assert.deepEqual(
    o.model.opsetImport.map((x) => x.domain || ''),
    [''],
  );
  assert.equal(o.model.metadataProps.find((p) => p.key === 'jingjie.prepared')?.value, 'test');
  const out = encodeModel(o.model);
  assert.deepEqual(await run(out), before);
  assert.deepEqual(await run(out, 'all'), before);
});

test('optimizeOffline refuses a float16-compute graph and any level but basic', async () => {
  const bytes = encodeModel(foldableModel(T.DataType.FLOAT16));
  assert.deepEqual(await run(bytes), [3, 0.25]);
  await assert.rejects(optimizeOffline(bytes), /inserted \d+ float16 Casts/);
  await assert.rejects(optimizeOffline(encodeModel(foldableModel()), 'extended'), /provider-specific/);
});

test('extendedAddsNothing tells a graph with Conv+Relu left to fuse from one without', async () => {
  const conv = model(
    [f32('k', [2, 2, 1, 1], [1, 0, 0, -1])],
    [node('Conv', ['input', 'k'], ['c']), node('Relu', ['c'], ['output'])],
  );
  assert.equal(await extendedAddsNothing(encodeModel(conv)), false);
  assert.equal(await extendedAddsNothing(encodeModel(foldableModel())), true);
});
