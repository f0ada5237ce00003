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
import { DataType, onnx } from './model-io.mjs';
import { floatsOf } from './quantize.mjs';
import { inferShapes } from './shapes.mjs';

const PASS_THROUGH = new Set(['MaxPool', 'Resize', 'Concat']);

/**
 * Tensors that may be rescaled: a Conv's output (or the output of the Relu right after it)
 * whose every path through MaxPool/Resize/Concat ends at a Conv's data input. Returns
 * [{ tensor, conv (producer name), consumers: [{ conv, offset }] }], offset being where the
 * tensor's channels start among the consumer's input channels. `channels(x)` gives a tensor's
 * channel count.
 */
export function equalizable(model, channels, skip = new Set()) {
  const g = model.graph;
  const consumers = new Map();
  for (const n of g.node) for (const x of n.input) if (x) consumers.set(x, [...(consumers.get(x) ?? []), n]);
  const outputs = new Set(g.output.map((o) => o.name));
  const found = [];
  for (const p of g.node) {
    if (p.opType !== 'Conv' || skip.has(p.name)) continue;
    let t = p.output[0];
    const users = consumers.get(t) ?? [];
    if (users.length === 1 && users[0].opType === 'Relu') t = users[0].output[0];
    // Walk forward; fail on anything but pass-through ops and Conv data inputs.
    const reached = [];
    let ok = true;
    const walk = (x, offset) => {
      if (outputs.has(x)) return (ok = false);
      for (const n of consumers.get(x) ?? []) {
        if (n.opType === 'Conv' && n.input[0] === x && !skip.has(n.name))
          reached.push({ conv: n.name, offset });
        else if (n.opType === 'Concat') {
          let o = offset;
          for (const i of n.input) {
            if (i === x) break;
            o += channels(i);
          }
          walk(n.output[0], o);
        } else if (PASS_THROUGH.has(n.opType) && n.input[0] === x) walk(n.output[0], offset);
        else ok = false;
        if (!ok) return;
      }
    };
    walk(t, 0);
    if (ok && reached.length) found.push({ tensor: t, conv: p.name, consumers: reached });
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
  for (const { tensor, conv, consumers } of plan) {
    const s = scales[tensor];
    if (!s) continue;
    count++;
    const p = byName.get(conv);
    const w = own(p, 1);
    const per = w.data.length / w.dims[0];
    for (let c = 0; c < s.length; c++) for (let i = c * per; i < (c + 1) * per; i++) w.data[i] *= s[c];
    if (p.input[2]) {
      const b = own(p, 2);
      for (let c = 0; c < s.length; c++) b.data[c] *= s[c];
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

/** The equalisation plan of the IS-Net graph (kept-float Convs neither scaled nor rescaling). */
export function equalizationPlan(model, keepFloat = []) {
  const shapes = inferShapes(model);
  return equalizable(model, (x) => shapes.get(x)[1], new Set(keepFloat));
}
