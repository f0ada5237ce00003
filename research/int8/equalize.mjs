// Activation equalisation before static quantisation: per-tensor uint8 activations give every
// channel of a tensor the step of its widest channel, and IS-Net's channel ranges differ by
// 5× (median) to 150× within a tensor, so the narrow channels keep few levels. A Conv output
// channel c can be multiplied by s_c > 0 (its weights and bias) and every Conv that reads it
// divides its weights for that input channel by s_c: Relu, MaxPool, a linear Resize and Concat
// commute with a positive per-channel scale, so the float graph computes the same function.
// This is the cross-layer rescaling of Nagel et al. 2019, "Data-Free Quantization Through
// Weight Equalization and Bias Correction" (§4.1, positive scaling equivariance), used here to
// equalise the activation ranges rather than the weight ranges (as Meller et al. 2019, "Same,
// Same But Different: Recovering Neural Network Quantization Error Through Weight
// Factorization", do for activations): s_c = R / r_c, with r_c the channel's range and R the
// tensor's widest, capped at `maxScale` so near-dead channels are not blown up.
import { DataType, onnx } from '../../scripts/onnx/model-io.mjs';
import { floatsOf } from './quantize.mjs';
import { inferShapes } from '../../scripts/onnx/shapes.mjs';

const PASS_THROUGH = new Set(['MaxPool', 'Resize', 'Concat']);

/**
 * Tensors that may be rescaled: a Conv's output (or the output of the Relu right after it)
 * whose every path through MaxPool/Resize/Concat ends at a Conv's data input; and the output of
 * an Add of two such Conv outputs (an RSU block's residual hx1d + hxin), both Convs then scaled
 * alike. Returns [{ tensor, convs (producer names), consumers: [{ conv, offset }] }], offset
 * being where the tensor's channels start among the consumer's input channels; `tensor` is the
 * one whose channel ranges set the scales. `channels(x)` gives a tensor's channel count.
 */
export function equalizable(model, channels) {
  const g = model.graph;
  const consumers = new Map();
  for (const n of g.node) for (const x of n.input) if (x) consumers.set(x, [...(consumers.get(x) ?? []), n]);
  const outputs = new Set(g.output.map((o) => o.name));
  // Walk forward from x; false on anything but pass-through ops, Conv data inputs and `allowed`.
  const walk = (x, offset, reached, allowed) => {
    if (outputs.has(x)) return false;
    for (const n of consumers.get(x) ?? []) {
      if (n === allowed) continue;
      if (n.opType === 'Conv' && n.input[0] === x) reached.push({ conv: n.name, offset });
      else if (n.opType === 'Concat') {
        let o = offset;
        for (const i of n.input) {
          if (i === x) break;
          o += channels(i);
        }
        if (!walk(n.output[0], o, reached, allowed)) return false;
      } else if (PASS_THROUGH.has(n.opType) && n.input[0] === x) {
        if (!walk(n.output[0], offset, reached, allowed)) return false;
      } else return false;
    }
    return true;
  };
  const producer = new Map(); // tensor -> Conv name
  for (const p of g.node) {
    if (p.opType !== 'Conv') continue;
    const users = consumers.get(p.output[0]) ?? [];
    producer.set(users.length === 1 && users[0].opType === 'Relu' ? users[0].output[0] : p.output[0], p.name);
  }
  const found = [];
  for (const [t, conv] of producer) {
    const reached = [];
    if (walk(t, 0, reached) && reached.length) found.push({ tensor: t, convs: [conv], consumers: reached });
  }
  for (const add of g.node) {
    if (add.opType !== 'Add' || add.input.length !== 2 || !add.input.every((x) => producer.has(x))) continue;
    const reached = [];
    const ok =
      add.input.every((x) => walk(x, 0, reached, add)) && walk(add.output[0], 0, reached) && reached.length;
    if (ok)
      found.push({ tensor: add.output[0], convs: add.input.map((x) => producer.get(x)), consumers: reached });
  }
  return found;
}

/** Scales s_c = R / r_c from per-channel ranges r (R = max r), capped at maxScale; 1 for dead channels. */
export function scalesFor(r, maxScale) {
  const R = Math.max(...r);
  return r.map((x) => (x > R * 1e-6 ? Math.min(maxScale, R / x) : 1));
}

/** Multiplies Conv output channels by `scales[tensor]` and divides its readers' weights, in place. */
export function applyEqualization(model, plan, scales) {
  const g = model.graph;
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const byName = new Map(g.node.map((n) => [n.name, n]));
  const rewritten = new Map();
  // A fresh copy of an initializer we change (shared ones would change for every user).
  const own = (n, k) => {
    const name = n.input[k];
    if (rewritten.has(`${n.name}:${k}`)) return rewritten.get(`${n.name}:${k}`);
    const data = Float32Array.from(floatsOf(inits.get(name)));
    const t = inits.get(name);
    const fresh = `${name}_eq_${n.name}`;
    const entry = { data, dims: t.dims.map(Number), name: fresh };
    rewritten.set(`${n.name}:${k}`, entry);
    n.input[k] = fresh;
    return entry;
  };
  let count = 0;
  for (const { tensor, convs, consumers } of plan) {
    const s = scales[tensor];
    if (!s) continue;
    count++;
    for (const conv of convs) {
      const p = byName.get(conv);
      const w = own(p, 1);
      const per = w.data.length / w.dims[0];
      for (let c = 0; c < s.length; c++) for (let i = c * per; i < (c + 1) * per; i++) w.data[i] *= s[c];
      if (p.input[2]) {
        const b = own(p, 2);
        for (let c = 0; c < s.length; c++) b.data[c] *= s[c];
      }
    }
    for (const { conv: name, offset } of consumers) {
      const n = byName.get(name);
      const cw = own(n, 1);
      const [O, I] = cw.dims;
      const k = cw.data.length / (O * I);
      for (let o = 0; o < O; o++)
        for (let c = 0; c < s.length; c++)
          for (let i = (o * I + offset + c) * k; i < (o * I + offset + c + 1) * k; i++) cw.data[i] /= s[c];
    }
  }
  for (const { data, dims, name } of rewritten.values())
    g.initializer.push(
      onnx.TensorProto.create({ name, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(data.buffer) }),
    );
  const stillUsed = new Set(g.node.flatMap((n) => n.input));
  g.initializer = g.initializer.filter((t) => stillUsed.has(t.name));
  return count;
}

/** The equalisation plan of the IS-Net graph (kept-float Convs take part: rescaling is exact in float). */
export function equalizationPlan(model) {
  const shapes = inferShapes(model);
  return equalizable(model, (x) => shapes.get(x)[1]);
}
