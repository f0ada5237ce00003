// Static QDQ quantiser on a one-Conv graph: scales, zero points and the int32 bias checked by
// hand, onnxruntime fuses it into QLinearConv, and its output stays within quantisation error.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { DataType, decodeModel, encodeModel, onnx } from '../../scripts/onnx/model-io.mjs';
import {
  correctBias,
  plan,
  quantizeQdq,
  quantizeWeightPerChannel,
  roundHalfEven,
  uint8Params,
} from './quantize.mjs';
import { mseClip } from './quantize-calibrate.mjs';

const T = onnx.TensorProto;
const vi = (name, dims) =>
  onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
const node = (opType, input, output) => onnx.NodeProto.create({ opType, input, output, name: output[0] });
const f32 = (name, dims, values) => T.create({ name, dataType: DataType.FLOAT, dims, floatData: values });

// input [1,1,2,2] → Conv 1×1 (2 output channels, weights 0.5 and −0.25, bias 0.1 and −0.2)
// → Relu → Sigmoid → output [1,2,2,2].
function oneConv() {
  return onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 15 }],
    graph: {
      name: 'g',
      input: [vi('input', [1, 1, 2, 2])],
      output: [vi('output', [1, 2, 2, 2])],
      initializer: [f32('w', [2, 1, 1, 1], [0.5, -0.25]), f32('b', [2], [0.1, -0.2])],
      node: [
        onnx.NodeProto.create({ opType: 'Conv', input: ['input', 'w', 'b'], output: ['c'], name: 'conv' }),
        node('Relu', ['c'], ['r']),
        node('Sigmoid', ['r'], ['output']),
      ],
    },
  });
}
// Input range [0, 2.55] → scale 0.01, zero point 0; Relu output [0, 1.5] → scale 1.5/255.
const RANGES = { input: [0, 2.55], r: [0, 1.5] };

const init = (m, name) => m.graph.initializer.find((t) => t.name === name);
const raw = (t, Type) => {
  const b = new Uint8Array(t.rawData);
  return Array.from(new Type(b.buffer, 0, b.length / Type.BYTES_PER_ELEMENT));
};

test('uint8 parameters follow onnxruntime: range widened to 0, zero point rounded half to even', () => {
  assert.deepEqual(uint8Params(0, 2.55), { scale: Math.fround(0.01), zeroPoint: 0 });
  assert.deepEqual(uint8Params(-1, 1), { scale: Math.fround(2 / 255), zeroPoint: 128 }); // 127.5 → 128
  assert.deepEqual(uint8Params(0.5, 2), { scale: Math.fround(2 / 255), zeroPoint: 0 }); // min → 0
  assert.equal(roundHalfEven(2.5), 2);
  assert.equal(roundHalfEven(-2.5), -2);
  assert.equal(roundHalfEven(3.5), 4);
});

test('one Conv: Relu folded, int8 per-channel weights, int32 bias with scale s_x·s_w', () => {
  const m = oneConv();
  assert.deepEqual(plan(m).calibrated.sort(), ['input', 'r']);
  quantizeQdq(m, RANGES);
  const ops = m.graph.node.map((n) => n.opType);
  assert.deepEqual(ops, [
    'QuantizeLinear',
    'DequantizeLinear', // input
    'DequantizeLinear', // weight
    'DequantizeLinear', // bias
    'Conv',
    'QuantizeLinear',
    'DequantizeLinear', // Conv output, named like the Relu's
    'Sigmoid',
  ]);
  // Weights: per channel max|w|/127, so both quantise to ±127.
  assert.deepEqual(raw(init(m, 'w_scale'), Float32Array), [Math.fround(0.5 / 127), Math.fround(0.25 / 127)]);
  assert.deepEqual(raw(init(m, 'w_quantized'), Int8Array), [127, -127]);
  assert.deepEqual(raw(init(m, 'w_zero_point'), Int8Array), [0, 0]);
  assert.equal(init(m, 'w_quantized').dataType, DataType.INT8);
  // Bias: scale 0.01 × 0.5/127 = 3.937e-5 → 0.1 / that = 2540; 0.01 × 0.25/127 → −0.2 → −10160.
  const bs = raw(init(m, 'b_quantized_scale'), Float32Array);
  assert.ok(Math.abs(bs[0] - (0.01 * 0.5) / 127) < 1e-10 && Math.abs(bs[1] - (0.01 * 0.25) / 127) < 1e-10);
  assert.deepEqual(raw(init(m, 'b_quantized'), Int32Array), [2540, -10160]);
  assert.equal(init(m, 'b_quantized').dataType, DataType.INT32);
  // Activations: uint8, input scale 0.01 / zero point 0, Relu output 1.5/255 / 0.
  assert.deepEqual(raw(init(m, 'input_scale'), Float32Array), [Math.fround(0.01)]);
  assert.deepEqual(raw(init(m, 'r_scale'), Float32Array), [Math.fround(1.5 / 255)]);
  assert.equal(init(m, 'r_zero_point').dataType, DataType.UINT8);
  const conv = m.graph.node.find((n) => n.opType === 'Conv');
  assert.deepEqual(conv.output, ['r']);
  const dqw = m.graph.node.find((n) => n.name === 'w_DequantizeLinear');
  assert.equal(Number(dqw.attribute.find((a) => a.name === 'axis').i), 0);
});

test('onnxruntime fuses it into QLinearConv and agrees with the float graph within quantisation error', async () => {
  const float = encodeModel(oneConv());
  const m = oneConv();
  quantizeQdq(m, RANGES);
  const qdq = encodeModel(m);
  const os = await import('node:os');
  const fs = await import('node:fs');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-q-'));
  try {
    const file = path.join(dir, 'opt.onnx');
    const s = await ort.InferenceSession.create(qdq, {
      graphOptimizationLevel: 'extended',
      optimizedModelFilePath: file,
    });
    await s.release();
    const ops = decodeModel(fs.readFileSync(file)).graph.node.map((n) => n.opType);
    assert.ok(ops.includes('QLinearConv'), ops.join(','));
    assert.ok(!ops.includes('Conv'), ops.join(','));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // On the input grid (multiples of 0.01): the only errors are the bias rounding (≤ half a bias
  // step) and the output rounding (≤ half of 1.5/255); Sigmoid's slope is at most 1/4.
  const x = new Float32Array([0, 0.37, 1.2, 2.55]);
  const run = async (bytes) => {
    const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
    const r = await s.run({ input: new ort.Tensor('float32', x, [1, 1, 2, 2]) });
    await s.release();
    return r.output.data;
  };
  const [a, b] = [await run(float), await run(qdq)];
  const bound = 0.25 * (1.5 / 255 / 2 + (0.01 * 0.5) / 127 / 2) + 1e-6;
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i] - b[i]) <= bound, `output ${i}: float ${a[i]} vs int8 ${b[i]} (bound ${bound})`);
  // The negative channel is clamped by the folded Relu: sigmoid(0) = 0.5 for 0.37 × −0.25 − 0.2.
  assert.ok(Math.abs(b[5] - 0.5) < 1e-6);
});

test('bias correction subtracts the expected shift of weight rounding, Σ (ŵ − w) · E[x]', () => {
  // One output channel, two input channels, 1×2 kernels: w = [1, 0.3 | −0.55, 0.2].
  const w = new Float32Array([1, 0.3, -0.55, 0.2]);
  const { q, scales } = quantizeWeightPerChannel(w, 1);
  const means = [2, -1];
  let shift = 0;
  for (let i = 0; i < 4; i++) shift += (q[i] * scales[0] - w[i]) * means[i < 2 ? 0 : 1];
  assert.ok(Math.abs(shift) > 1e-5);
  const [b] = correctBias(new Float32Array([0.5]), w, q, scales, means);
  assert.ok(Math.abs(b - (0.5 - shift)) < 1e-7);
  // The corrected bias makes the mean output of the quantised weights equal the float one.
  const out = (ws, bias) => means[0] * (ws[0] + ws[1]) + means[1] * (ws[2] + ws[3]) + bias;
  const wq = Array.from(q, (v) => v * scales[0]);
  assert.ok(Math.abs(out(wq, b) - out(w, 0.5)) < 1e-6);
});

test('MSE clip: keeps a uniform range whole, clips the long tail of a Laplace one', () => {
  const B = 1024;
  // Uniform on [0, 10): clipping only costs, so the full range is kept.
  const flat = new Float64Array(B).fill(1000);
  const [lo, hi] = mseClip(flat, 0, 10 / B);
  assert.equal(lo, 0);
  assert.ok(hi > 9.95, `hi ${hi}`);
  // Laplace(b = 1) magnitudes up to 20: the 8-bit optimum is about 9–11 b (Banner et al. 2019
  // give 9.89 b for the two-sided case), far below the max.
  const w = 20 / B;
  const lap = Float64Array.from({ length: B }, (_, i) => 1e7 * (Math.exp(-i * w) - Math.exp(-(i + 1) * w)));
  const [, h] = mseClip(lap, 0, w);
  assert.ok(h > 8 && h < 12, `hi ${h}`);
  // A signed distribution clips both tails.
  const two = Float64Array.from({ length: B }, (_, i) => Math.exp(-Math.abs(i * w - 10)) * 1e7);
  const [l2, h2] = mseClip(two, -10, w);
  assert.ok(l2 > -10 && l2 < -6 && h2 < 10 && h2 > 6, `${l2}, ${h2}`);
});

test('activation equalisation rescales Conv channels without changing the float function', async () => {
  const { applyEqualization, equalizable } = await import('./equalize.mjs');
  // input [1,1,2,2] → Conv a (2 channels) → Relu → MaxPool 1×1 → Concat(input, ·) → Conv b → output.
  const build = () =>
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 15 }],
      graph: {
        name: 'g',
        input: [vi('input', [1, 1, 2, 2])],
        output: [vi('output', [1, 1, 2, 2])],
        initializer: [
          f32('wa', [2, 1, 1, 1], [0.5, -3]),
          f32('ba', [2], [0.1, 2]),
          f32('wb', [1, 3, 1, 1], [1, 0.25, -0.5]),
          f32('bb', [1], [0.3]),
        ],
        node: [
          onnx.NodeProto.create({ opType: 'Conv', input: ['input', 'wa', 'ba'], output: ['a'], name: 'a' }),
          node('Relu', ['a'], ['r']),
          onnx.NodeProto.create({
            opType: 'MaxPool',
            input: ['r'],
            output: ['p'],
            name: 'p',
            attribute: [{ name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1] }],
          }),
          onnx.NodeProto.create({
            opType: 'Concat',
            input: ['input', 'p'],
            output: ['c'],
            name: 'c',
            attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
          }),
          onnx.NodeProto.create({ opType: 'Conv', input: ['c', 'wb', 'bb'], output: ['output'], name: 'b' }),
        ],
      },
    });
  const m = build();
  const plan = equalizable(m, (x) => (x === 'input' ? 1 : 2));
  assert.deepEqual(plan, [{ tensor: 'r', convs: ['a'], consumers: [{ conv: 'b', offset: 1 }] }]);
  assert.equal(applyEqualization(m, plan, { r: [4, 0.5] }), 1);
  const x = new Float32Array([0, 0.37, -1.2, 2.55]);
  const run = async (model) => {
    const s = await ort.InferenceSession.create(encodeModel(model), { graphOptimizationLevel: 'disabled' });
    const r = await s.run({ input: new ort.Tensor('float32', x, [1, 1, 2, 2]) });
    await s.release();
    return r.output.data;
  };
  const [a, b] = [await run(build()), await run(m)];
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `${a[i]} vs ${b[i]}`);
  // The Conv's weights for the rescaled channels were divided: wb = [1, 0.25 / 4, −0.5 / 0.5].
  const wb = m.graph.initializer.find((t) => t.name.startsWith('wb'));
  assert.deepEqual(raw(wb, Float32Array), [1, 0.0625, -1]);
});
