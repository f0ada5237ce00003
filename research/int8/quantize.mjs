// Static QDQ int8 quantisation of a float32 graph, laid out the way onnxruntime's own
// quantize_static (QuantFormat.QDQ) lays it out, so that its QDQ transformer fuses it into
// QLinearConv / QLinearConcat / QLinearAdd and uint8 MaxPool / Resize.
//
// Scheme (Jacob et al. 2018, "Quantization and Training of Neural Networks for Efficient
// Integer-Arithmetic-Only Inference"): real = scale × (q − zero_point).
// - activations: uint8, asymmetric, one scale/zero point per tensor from calibrated ranges
//   (range widened to include 0, as onnxruntime does, so 0 is exact);
// - Conv weights: int8, symmetric (zero point 0, range ±127), one scale per output channel
//   (axis 0);
// - Conv bias: int32, zero point 0, scale = s_x × s_w[c] per channel, so it adds straight into
//   the int32 accumulator;
// - a Relu right after a quantised Conv is dropped and the Conv writes the Relu's output name,
//   quantised with the Relu output's range (min 0, so zero point 0 clamps exactly like Relu);
// - MaxPool and Resize outputs reuse their input's scale and zero point (onnxruntime drops the
//   Q/DQ pair around them and runs them on uint8).
// Nodes named in `keepFloat` (Conv node names) stay float: they read the dequantised tensor.
// Optional bias correction (Nagel et al. 2019, "Data-Free Quantization Through Weight
// Equalization and Bias Correction", §4.2, the empirical variant): with E[x_c], the per-channel
// mean of a Conv's input measured on calibration data, the expected output shift that weight
// rounding causes, Σ_c Σ_k (Ŵ − W)[o, c, k] · E[x_c], is subtracted from the bias before it is
// quantised (border padding ignored). Or `biasShift` per Conv: the measured mean output shift of
// the whole quantised graph (quantize-bias.mjs), subtracted from the bias.
import { DataType, onnx } from '../../scripts/onnx/model-io.mjs';

/** Bump when the graph this module writes changes for the same input and calibration. */
export const QUANTIZER_VERSION = 1;

const QUANTISED_OPS = new Set(['Conv', 'MaxPool', 'Resize', 'Concat', 'Add']);
const SAME_AS_INPUT = new Set(['MaxPool', 'Resize']);

/** numpy's round(): half to even. */
export function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * onnxruntime's compute_scale_zp for uint8 (qmin 0, qmax 255): the range is widened to hold 0,
 * scale = (max − min) / 255, zero point = round(−min / scale), both computed in float64 (as numpy does there), the scale stored as float32.
 */
export function uint8Params(min, max) {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  if (!(hi > lo)) return { scale: 1, zeroPoint: 0 };
  const scale = (hi - lo) / 255;
  const zeroPoint = Math.min(255, Math.max(0, roundHalfEven(-lo / scale)));
  return { scale: Math.fround(scale), zeroPoint };
}

/** Float values of a float32 initializer (raw_data or float_data). */
export function floatsOf(t) {
  if (t.dataType !== DataType.FLOAT) throw new Error(`${t.name}: not float32`);
  if (t.rawData && t.rawData.length) {
    const copy = new Uint8Array(t.rawData); // aligned copy
    return new Float32Array(copy.buffer, 0, copy.length / 4);
  }
  return Float32Array.from(t.floatData);
}

/** Per-output-channel symmetric int8 (±127) quantisation of a weight [C, ...]. */
export function quantizeWeightPerChannel(w, channels) {
  const per = w.length / channels;
  const scales = new Float32Array(channels);
  const q = new Int8Array(w.length);
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (let i = c * per; i < (c + 1) * per; i++) m = Math.max(m, Math.abs(w[i]));
    const s = m > 0 ? Math.fround(m / 127) : 1;
    scales[c] = s;
    for (let i = c * per; i < (c + 1) * per; i++)
      q[i] = Math.max(-127, Math.min(127, roundHalfEven(w[i] / s)));
  }
  return { q, scales };
}

/**
 * Bias correction (Nagel et al. 2019): the bias minus the expected output shift of weight
 * rounding, Σ_c (Σ_k ŵ[o,c,k] − w[o,c,k]) · mean[c], per output channel o.
 */
export function correctBias(b, w, q, scales, means) {
  const channels = b.length;
  const inC = means.length;
  const per = w.length / channels;
  const k = per / inC;
  if (!Number.isInteger(k)) throw new Error('correctBias: weight and means do not match');
  const out = new Float32Array(channels);
  for (let o = 0; o < channels; o++) {
    let shift = 0;
    for (let c = 0; c < inC; c++) {
      let d = 0;
      for (let i = o * per + c * k; i < o * per + (c + 1) * k; i++) d += q[i] * scales[o] - w[i];
      shift += d * means[c];
    }
    out[o] = b[o] - shift;
  }
  return out;
}

/** int32 bias with scale s_x × s_w[c] (float32), as onnxruntime's quantize_bias_static. */
export function quantizeBias(b, inputScale, weightScales) {
  const scales = new Float32Array(b.length);
  const q = new Int32Array(b.length);
  for (let c = 0; c < b.length; c++) {
    const s = Math.fround(inputScale * weightScales[c]);
    scales[c] = s;
    q[c] = s > 0 ? roundHalfEven(b[c] / s) : 0;
  }
  return { q, scales };
}

const tensor = (name, dataType, dims, bytes) =>
  onnx.TensorProto.create({
    name,
    dataType,
    dims,
    rawData: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  });
const attrInt = (name, i) =>
  onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
const makeNode = (opType, input, output, name, attribute = []) =>
  onnx.NodeProto.create({ opType, input, output, name, attribute });

/**
 * What would be quantised, without changing the graph: Convs quantised, Relus folded into them,
 * and the activation tensors that need a calibrated range (MaxPool/Resize outputs excluded:
 * they share their input's). Used by calibration to know what to measure.
 */
export function plan(model, keepFloat = []) {
  const g = model.graph;
  const keep = new Set(keepFloat);
  const inits = new Set(g.initializer.map((t) => t.name));
  const consumers = new Map();
  for (const n of g.node) for (const x of n.input) if (x) consumers.set(x, [...(consumers.get(x) ?? []), n]);
  const graphOutputs = new Set(g.output.map((o) => o.name));
  const quantised = g.node.filter((n) => QUANTISED_OPS.has(n.opType) && !n.domain && !keep.has(n.name));
  // Relu folded into its Conv: the Conv's only consumer, not a graph output.
  const folded = new Map(); // Conv name -> Relu node
  for (const n of quantised) {
    if (n.opType !== 'Conv') continue;
    const users = consumers.get(n.output[0]) ?? [];
    // (A graph output stays float, so its Relu must stay to clamp it.)
    const relu = users.length === 1 && users[0].opType === 'Relu' ? users[0] : undefined;
    if (relu && !graphOutputs.has(n.output[0]) && !graphOutputs.has(relu.output[0])) folded.set(n.name, relu);
  }
  const foldedRelus = new Set([...folded.values()].map((r) => r.name));
  // Activation tensors touching a quantised node (after folding: a folded Conv's output is the
  // Relu's output).
  const tensors = new Set();
  const outOf = (n) => (folded.has(n.name) ? folded.get(n.name).output[0] : n.output[0]);
  for (const n of quantised) {
    const acts = n.opType === 'Conv' ? [n.input[0]] : n.input.filter((x) => x && !inits.has(x));
    for (const x of acts) tensors.add(x);
    tensors.add(outOf(n));
  }
  for (const x of graphOutputs) tensors.delete(x);
  // Tensors whose params are copied from an input (MaxPool/Resize), resolved to their source.
  const sameAs = new Map();
  // (Also for a MaxPool/Resize kept float: its output never leaves its input's range.)
  for (const n of g.node) if (SAME_AS_INPUT.has(n.opType) && !n.domain) sameAs.set(n.output[0], n.input[0]);
  const source = (x) => {
    while (sameAs.has(x)) x = sameAs.get(x);
    return x;
  };
  const calibrated = [...tensors].filter((x) => !sameAs.has(x));
  return { quantised, folded, foldedRelus, tensors: [...tensors], calibrated, source };
}

/**
 * A Concat's own calibrated range can be narrower than one of its inputs' (each is a percentile
 * of a different distribution; in IS-Net's decoder the upsampled deeper-stage input reaches
 * twice the Concat output's 99.99th percentile), and then QLinearConcat, which requantises every
 * input to the output's scale, clips that input. Widening the output to the union of its inputs'
 * ranges makes the Concat lossless apart from the coarser grid.
 */
export function widenConcatRanges(model, ranges, p = plan(model)) {
  const out = { ...ranges };
  for (const n of p.quantised) {
    if (n.opType !== 'Concat') continue;
    const y = p.source(n.output[0]);
    const all = [y, ...n.input.map(p.source)].map((x) => out[x]).filter(Boolean);
    out[y] = [Math.min(...all.map((r) => r[0])), Math.max(...all.map((r) => r[1]))];
  }
  return out;
}

/**
 * Rewrite `model` (float32, BatchNorm already folded into Conv) in place into QDQ form.
 * `ranges`: tensor name -> [min, max] for every name in plan().calibrated.
 * Returns counts for the log.
 */
export function quantizeQdq(
  model,
  ranges,
  keepFloat = [],
  { channelMeans, concatUnion = false, biasShift, floatWeights = false } = {},
) {
  const g = model.graph;
  const p = plan(model, keepFloat);
  if (concatUnion) ranges = widenConcatRanges(model, ranges, p);
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const params = new Map();
  const paramsOf = (x) => {
    const src = p.source(x);
    if (!params.has(src)) {
      const r = ranges[src];
      if (!r) throw new Error(`quantizeQdq: no calibrated range for ${src}`);
      params.set(src, uint8Params(r[0], r[1]));
    }
    return params.get(src);
  };

  // 1. Fold Relus into their Convs.
  for (const [convName, relu] of p.folded) {
    const conv = g.node.find((n) => n.name === convName);
    conv.output = [relu.output[0]];
  }
  g.node = g.node.filter((n) => !p.foldedRelus.has(n.name));

  // 2. Weights and biases of quantised Convs: int8 per channel, int32 bias, each behind a DQ.
  const newInits = [];
  const newNodes = [];
  let convs = 0;
  let corrected = 0;
  for (const n of p.quantised) {
    if (n.opType !== 'Conv') continue;
    convs++;
    // Diagnosis only: activations quantised, weights left float (no QLinearConv fusion).
    if (floatWeights) continue;
    const w = inits.get(n.input[1]);
    const channels = Number(w.dims[0]);
    const wf = floatsOf(w);
    const { q, scales } = quantizeWeightPerChannel(wf, channels);
    const group = n.attribute.find((a) => a.name === 'group');
    const means = channelMeans?.[n.input[0]];
    if (means && group && Number(group.i) !== 1)
      throw new Error(`${n.name}: bias correction of a grouped Conv`);
    const wq = `${w.name}_quantized`;
    newInits.push(
      tensor(wq, DataType.INT8, w.dims, q),
      tensor(`${w.name}_scale`, DataType.FLOAT, [channels], scales),
      tensor(`${w.name}_zero_point`, DataType.INT8, [channels], new Int8Array(channels)),
    );
    newNodes.push({
      before: n,
      node: makeNode(
        'DequantizeLinear',
        [wq, `${w.name}_scale`, `${w.name}_zero_point`],
        [`${w.name}_DequantizeLinear_Output`],
        `${w.name}_DequantizeLinear`,
        [attrInt('axis', 0)],
      ),
    });
    n.input[1] = `${w.name}_DequantizeLinear_Output`;
    if (n.input[2]) {
      const b = inits.get(n.input[2]);
      const sx = paramsOf(n.input[0]).scale;
      let bf = means ? correctBias(floatsOf(b), wf, q, scales, means) : floatsOf(b);
      const shift = biasShift?.[n.name];
      if (shift) bf = bf.map((v, c) => v - shift[c]);
      if (means) corrected++;
      const { q: bq, scales: bs } = quantizeBias(bf, sx, scales);
      const bqName = `${b.name}_quantized`;
      newInits.push(
        tensor(bqName, DataType.INT32, [channels], bq),
        tensor(`${bqName}_scale`, DataType.FLOAT, [channels], bs),
        tensor(`${bqName}_zero_point`, DataType.INT32, [channels], new Int32Array(channels)),
      );
      newNodes.push({
        before: n,
        node: makeNode(
          'DequantizeLinear',
          [bqName, `${bqName}_scale`, `${bqName}_zero_point`],
          [`${b.name}_DequantizeLinear_Output`],
          `${b.name}_DequantizeLinear`,
          [attrInt('axis', 0)],
        ),
      });
      n.input[2] = `${b.name}_DequantizeLinear_Output`;
    }
  }
  const usedWeights = new Set(g.node.flatMap((n) => n.input));
  g.initializer = g.initializer.filter((t) => usedWeights.has(t.name));
  g.initializer.push(...newInits);

  // 3. One Q → DQ pair after every quantised activation tensor; every consumer reads the DQ.
  const producerIndex = new Map();
  g.node.forEach((n, i) => n.output.forEach((o) => producerIndex.set(o, i)));
  const inserts = []; // [afterIndex (-1: graph input), nodes]
  for (const x of p.tensors) {
    const { scale, zeroPoint } = paramsOf(x);
    const s = `${x}_scale`;
    const z = `${x}_zero_point`;
    g.initializer.push(
      tensor(s, DataType.FLOAT, [], new Float32Array([scale])),
      tensor(z, DataType.UINT8, [], new Uint8Array([zeroPoint])),
    );
    const qName = `${x}_QuantizeLinear_Output`;
    const dqName = `${x}_DequantizeLinear_Output`;
    for (const n of g.node) n.input = n.input.map((i) => (i === x ? dqName : i));
    inserts.push([
      producerIndex.get(x) ?? -1,
      [
        makeNode('QuantizeLinear', [x, s, z], [qName], `${x}_QuantizeLinear`),
        makeNode('DequantizeLinear', [qName, s, z], [dqName], `${x}_DequantizeLinear`),
      ],
    ]);
  }
  // Rebuild the node list in topological order: weight DQs before their Conv, activation Q/DQ
  // right after the producer.
  const after = new Map();
  for (const [i, nodes] of inserts) after.set(i, [...(after.get(i) ?? []), ...nodes]);
  const before = new Map();
  for (const { before: n, node } of newNodes) before.set(n, [...(before.get(n) ?? []), node]);
  const out = [...(after.get(-1) ?? [])];
  g.node.forEach((n, i) => {
    out.push(...(before.get(n) ?? []), n, ...(after.get(i) ?? []));
  });
  g.node = out;
  g.valueInfo = [];
  return {
    convs,
    keptFloat: g.node.filter((n) => n.opType === 'Conv' && keepFloat.includes(n.name)).length,
    reluFolded: p.folded.size,
    biasCorrected: corrected,
    tensors: p.tensors.length,
    nodes: g.node.length,
  };
}
