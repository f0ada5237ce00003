// Spike (issue 20, part 3): converts the IS-Net ONNX graph to a TFLite flatbuffer, NHWC inside.
//
//   node research/litert/onnx-to-tflite.mjs <in.onnx> <out.tflite> [--fp16] [--taps a,b,...]
//
// Covers only the ops the IS-Net graph uses: Conv (+ a following Relu fused), Relu, MaxPool,
// Resize (linear, half_pixel, constant sizes), Concat, Add, Sigmoid. Weights OIHW -> OHWI,
// activations NHWC; the graph keeps the ONNX interface: a TRANSPOSE after the NCHW input and a
// RESHAPE (C = 1) / TRANSPOSE before the NCHW output. --fp16 stores weights and biases as
// float16 behind DEQUANTIZE ops (TFLite's "float16 quantization"; XNNPACK unpacks them at load).
// --taps adds inner ONNX tensors as extra outputs (NHWC) for the layer-by-layer check.
// The TFLite schema tables used are written by hand with the flatbuffers Builder.
import fs from 'node:fs';
import * as flatbuffers from 'flatbuffers';
import { decodeModel, dimsOf } from '../../scripts/onnx/model-io.mjs';

// tflite::BuiltinOperator and tflite::BuiltinOptions (union index) values from schema.fbs.
const OP = {
  ADD: 0,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEQUANTIZE: 6,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  RELU: 19,
  RESHAPE: 22,
  RESIZE_BILINEAR: 23,
  PAD: 34,
  TRANSPOSE: 39,
};
const OPT = {
  Conv2DOptions: 1,
  Pool2DOptions: 5,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ResizeBilinearOptions: 15,
  ReshapeOptions: 17,
  PadOptions: 22,
  TransposeOptions: 26,
  DequantizeOptions: 38,
};
const TT = { FLOAT32: 0, FLOAT16: 1, INT32: 2 };
const PAD = { SAME: 0, VALID: 1 };
const ACT = { NONE: 0, RELU: 1 };

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** float32 -> IEEE half, round to nearest even. */
export function toHalf(x) {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

function initValues(t) {
  if (t.rawData?.length) {
    const raw = new Uint8Array(t.rawData); // copy: aligned
    if (t.dataType === 1) return new Float32Array(raw.buffer);
    if (t.dataType === 7) return Array.from(new BigInt64Array(raw.buffer), Number);
    throw new Error(`initializer ${t.name}: data type ${t.dataType}`);
  }
  if (t.floatData?.length) return Float32Array.from(t.floatData);
  if (t.int64Data?.length) return t.int64Data.map(Number);
  throw new Error(`initializer ${t.name}: no data`);
}

export function convert(onnxBytes, { fp16 = false, taps = [] } = {}) {
  const g = decodeModel(onnxBytes).graph;
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const shapes = new Map();
  for (const v of [...g.input, ...g.valueInfo, ...g.output]) shapes.set(v.name, dimsOf(v));
  const consumers = new Map();
  for (const n of g.node) for (const i of n.input) consumers.set(i, [...(consumers.get(i) ?? []), n]);

  const buffers = [null]; // 0: the empty sentinel
  const tensors = []; // { name, shape, type, buffer }
  const operators = []; // { op, inputs, outputs, opt: [type, fields] }
  const nhwc = new Map(); // ONNX tensor name -> TFLite tensor index (NHWC)
  const addTensor = (name, shape, type = TT.FLOAT32, data = null) => {
    let buffer = 0;
    if (data) {
      buffer = buffers.length;
      buffers.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    tensors.push({ name, shape, type, buffer });
    return tensors.length - 1;
  };
  const constI32 = (name, values) => addTensor(name, [values.length], TT.INT32, Int32Array.from(values));
  const constFloat = (name, shape, values) => {
    if (!fp16) return addTensor(name, shape, TT.FLOAT32, values);
    const h = Uint16Array.from(values, toHalf);
    const half = addTensor(`${name}_fp16`, shape, TT.FLOAT16, h);
    const full = addTensor(name, shape);
    operators.push({ op: OP.DEQUANTIZE, inputs: [half], outputs: [full], opt: [OPT.DequantizeOptions, []] });
    return full;
  };
  const toNhwc = ([n, c, h, w]) => [n, h, w, c];
  const shapeOf = (name) => {
    const s = shapes.get(name);
    if (!s || s.some((d) => typeof d !== 'number')) throw new Error(`no static shape for ${name}`);
    return s;
  };
  const attr = (n, name, d) => {
    const a = n.attribute.find((x) => x.name === name);
    if (!a) return d;
    if (a.ints?.length) return a.ints.map(Number);
    if (a.s?.length) return Buffer.from(a.s).toString();
    return Number(a.i ?? a.f);
  };
  const input = g.input.find((v) => !inits.has(v.name));
  const inShape = shapeOf(input.name);
  const inIdx = addTensor(input.name, inShape);
  const inNhwc = addTensor(`${input.name}_nhwc`, toNhwc(inShape));
  operators.push({
    op: OP.TRANSPOSE,
    inputs: [inIdx, constI32('perm_nchw_nhwc', [0, 2, 3, 1])],
    outputs: [inNhwc],
    opt: [OPT.TransposeOptions, []],
  });
  nhwc.set(input.name, inNhwc);
  const out = (name) => {
    const i = addTensor(name, toNhwc(shapeOf(name)));
    nhwc.set(name, i);
    return i;
  };
  const fused = new Set();
  const counts = {};

  for (const n of g.node) {
    if (fused.has(n)) continue;
    counts[n.opType] = (counts[n.opType] ?? 0) + 1;
    const x = n.input.length ? nhwc.get(n.input[0]) : undefined;
    if (n.input.length && x === undefined) throw new Error(`${n.name}: input ${n.input[0]} not converted`);
    switch (n.opType) {
      case 'Conv': {
        const W = inits.get(n.input[1]);
        const [O, I, KH, KW] = W.dims.map(Number);
        if (attr(n, 'group', 1) !== 1) throw new Error(`${n.name}: grouped conv`);
        const w = initValues(W);
        const ohwi = new Float32Array(w.length);
        for (let o = 0; o < O; o++)
          for (let i = 0; i < I; i++)
            for (let y = 0; y < KH; y++)
              for (let z = 0; z < KW; z++)
                ohwi[((o * KH + y) * KW + z) * I + i] = w[((o * I + i) * KH + y) * KW + z];
        const wIdx = constFloat(`${n.name}_w`, [O, KH, KW, I], ohwi);
        const b = n.input[2] ? initValues(inits.get(n.input[2])) : new Float32Array(O);
        const bIdx = constFloat(`${n.name}_b`, [O], b);
        const [sh, sw] = attr(n, 'strides', [1, 1]);
        const [dh, dw] = attr(n, 'dilations', [1, 1]);
        const [pt, pl, pb, pr] = attr(n, 'pads', [0, 0, 0, 0]);
        if (attr(n, 'auto_pad', 'NOTSET') !== 'NOTSET') throw new Error(`${n.name}: auto_pad`);
        let src = x;
        let padding = PAD.VALID;
        const same = (k, d, p0, p1) => p0 === p1 && p0 === (d * (k - 1)) / 2;
        if (sh === 1 && sw === 1 && same(KH, dh, pt, pb) && same(KW, dw, pl, pr)) padding = PAD.SAME;
        else if (pt || pl || pb || pr) {
          const [N, C, H, Wd] = shapeOf(n.input[0]);
          src = addTensor(`${n.name}_padded`, [N, H + pt + pb, Wd + pl + pr, C]);
          const pads = addTensor(
            `${n.name}_pads`,
            [4, 2],
            TT.INT32,
            Int32Array.from([0, 0, pt, pb, pl, pr, 0, 0]),
          );
          operators.push({ op: OP.PAD, inputs: [x, pads], outputs: [src], opt: [OPT.PadOptions, []] });
        }
        let outName = n.output[0];
        let act = ACT.NONE;
        const cs = consumers.get(outName) ?? [];
        if (cs.length === 1 && cs[0].opType === 'Relu' && !taps.includes(outName)) {
          fused.add(cs[0]);
          outName = cs[0].output[0];
          act = ACT.RELU;
        }
        operators.push({
          op: OP.CONV_2D,
          inputs: [src, wIdx, bIdx],
          outputs: [out(outName)],
          // padding, stride_w, stride_h, fused_activation_function, dilation_w_factor, dilation_h_factor
          opt: [
            OPT.Conv2DOptions,
            [
              [8, padding],
              [32, sw],
              [32, sh],
              [8, act],
              [32, dw, 1],
              [32, dh, 1],
            ],
          ],
        });
        break;
      }
      case 'Relu':
        operators.push({ op: OP.RELU, inputs: [x], outputs: [out(n.output[0])], opt: [0, null] });
        break;
      case 'MaxPool': {
        const [kh, kw] = attr(n, 'kernel_shape');
        const [sh, sw] = attr(n, 'strides', [1, 1]);
        const pads = attr(n, 'pads', [0, 0, 0, 0]);
        if (pads.some(Boolean) || attr(n, 'ceil_mode', 0))
          throw new Error(`${n.name}: padded / ceil_mode MaxPool`);
        operators.push({
          op: OP.MAX_POOL_2D,
          inputs: [x],
          outputs: [out(n.output[0])],
          // padding, stride_w, stride_h, filter_width, filter_height, fused_activation_function
          opt: [
            OPT.Pool2DOptions,
            [
              [8, PAD.VALID],
              [32, sw],
              [32, sh],
              [32, kw],
              [32, kh],
              [8, ACT.NONE],
            ],
          ],
        });
        break;
      }
      case 'Resize': {
        if (attr(n, 'mode') !== 'linear' || attr(n, 'coordinate_transformation_mode') !== 'half_pixel')
          throw new Error(`${n.name}: Resize mode`);
        const [, , oh, ow] = shapeOf(n.output[0]);
        const size = constI32(`${n.name}_size`, [oh, ow]);
        operators.push({
          op: OP.RESIZE_BILINEAR,
          inputs: [x, size],
          outputs: [out(n.output[0])],
          // new_height (dep.), new_width (dep.), align_corners, half_pixel_centers
          opt: [OPT.ResizeBilinearOptions, [null, null, [8, 0], [8, 1]]],
        });
        break;
      }
      case 'Concat': {
        const axis = attr(n, 'axis');
        if (axis !== 1) throw new Error(`${n.name}: concat axis ${axis}`);
        operators.push({
          op: OP.CONCATENATION,
          inputs: n.input.map((i) => nhwc.get(i)),
          outputs: [out(n.output[0])],
          opt: [
            OPT.ConcatenationOptions,
            [
              [32, 3],
              [8, ACT.NONE],
            ],
          ],
        });
        break;
      }
      case 'Add': {
        const [a, b] = n.input.map((i) => shapeOf(i).join());
        if (a !== b) throw new Error(`${n.name}: broadcasting Add`);
        operators.push({
          op: OP.ADD,
          inputs: n.input.map((i) => nhwc.get(i)),
          outputs: [out(n.output[0])],
          opt: [OPT.AddOptions, [[8, ACT.NONE]]],
        });
        break;
      }
      case 'Sigmoid':
        operators.push({ op: OP.LOGISTIC, inputs: [x], outputs: [out(n.output[0])], opt: [0, null] });
        break;
      default:
        throw new Error(`unsupported op ${n.opType} (${n.name})`);
    }
  }

  const outputs = [];
  for (const o of g.output) {
    const s = shapeOf(o.name);
    const inner = nhwc.get(o.name);
    tensors[inner].name = `${o.name}_nhwc`;
    const idx = addTensor(o.name, s);
    if (s[1] === 1) {
      operators.push({
        op: OP.RESHAPE,
        inputs: [inner, constI32(`${o.name}_shape`, s)],
        outputs: [idx],
        opt: [OPT.ReshapeOptions, []],
      });
    } else {
      operators.push({
        op: OP.TRANSPOSE,
        inputs: [inner, constI32(`${o.name}_perm`, [0, 3, 1, 2])],
        outputs: [idx],
        opt: [OPT.TransposeOptions, []],
      });
    }
    outputs.push(idx);
  }
  for (const t of taps) {
    const i = nhwc.get(t);
    if (i === undefined) throw new Error(`tap ${t}: not a converted tensor (fused Relu input?)`);
    outputs.push(i);
  }
  return {
    bytes: serialize({ tensors, operators, buffers, inputs: [inIdx], outputs }),
    counts,
    ops: operators.length,
    tensors: tensors.length,
  };
}

function serialize({ tensors, operators, buffers, inputs, outputs }) {
  const total = buffers.reduce((s, b) => s + (b ? b.length + 32 : 0), 0);
  const fb = new flatbuffers.Builder(total + (1 << 20));
  const vecI32 = (a) => {
    fb.startVector(4, a.length, 4);
    for (let i = a.length - 1; i >= 0; i--) fb.addInt32(a[i]);
    return fb.endVector();
  };
  const vecOff = (a) => {
    fb.startVector(4, a.length, 4);
    for (let i = a.length - 1; i >= 0; i--) fb.addOffset(a[i]);
    return fb.endVector();
  };
  // Buffers first (the bulk), each 16-byte aligned.
  const bufOffs = buffers.map((b) => {
    let data = 0;
    if (b) {
      fb.startVector(1, b.length, 16);
      fb.bb.setPosition((fb.space -= b.length));
      fb.bb.bytes().set(b, fb.space);
      data = fb.endVector();
    }
    fb.startObject(3);
    if (data) fb.addFieldOffset(0, data, 0);
    return fb.endObject();
  });
  const tensorOffs = tensors.map((t) => {
    const name = fb.createString(t.name);
    const shape = vecI32(t.shape);
    fb.startObject(8);
    fb.addFieldOffset(0, shape, 0);
    fb.addFieldInt8(1, t.type, 0);
    fb.addFieldInt32(2, t.buffer, 0);
    fb.addFieldOffset(3, name, 0);
    return fb.endObject();
  });
  const codes = [...new Set(operators.map((o) => o.op))];
  const opOffs = operators.map((o) => {
    const ins = vecI32(o.inputs);
    const outs = vecI32(o.outputs);
    let opt = 0;
    const [optType, fields] = o.opt;
    if (optType) {
      fb.startObject(fields.length);
      fields.forEach((f, i) => {
        if (!f) return;
        const [bits, v, d = 0] = f;
        if (bits === 8) fb.addFieldInt8(i, v, d);
        else fb.addFieldInt32(i, v, d);
      });
      opt = fb.endObject();
    }
    fb.startObject(6);
    fb.addFieldInt32(0, codes.indexOf(o.op), 0);
    fb.addFieldOffset(1, ins, 0);
    fb.addFieldOffset(2, outs, 0);
    if (optType) {
      fb.addFieldInt8(3, optType, 0); // builtin_options_type
      fb.addFieldOffset(4, opt, 0); // builtin_options
    }
    return fb.endObject();
  });
  const sgTensors = vecOff(tensorOffs);
  const sgIn = vecI32(inputs);
  const sgOut = vecI32(outputs);
  const sgOps = vecOff(opOffs);
  const sgName = fb.createString('main');
  fb.startObject(5);
  fb.addFieldOffset(0, sgTensors, 0);
  fb.addFieldOffset(1, sgIn, 0);
  fb.addFieldOffset(2, sgOut, 0);
  fb.addFieldOffset(3, sgOps, 0);
  fb.addFieldOffset(4, sgName, 0);
  const subgraph = fb.endObject();
  const codeOffs = codes.map((c) => {
    fb.startObject(4);
    fb.addFieldInt8(0, c, 0); // deprecated_builtin_code
    fb.addFieldInt32(2, 1, 1); // version
    fb.addFieldInt32(3, c, 0); // builtin_code
    return fb.endObject();
  });
  // One signature, "serving_default", naming the ONNX input and outputs.
  const tmap = (idx) => {
    const name = fb.createString(tensors[idx].name);
    fb.startObject(2);
    fb.addFieldOffset(0, name, 0);
    fb.addFieldInt32(1, idx, 0);
    return fb.endObject();
  };
  const sigIn = vecOff(inputs.map(tmap));
  const sigOut = vecOff(outputs.map(tmap));
  const sigKey = fb.createString('serving_default');
  fb.startObject(5);
  fb.addFieldOffset(0, sigIn, 0);
  fb.addFieldOffset(1, sigOut, 0);
  fb.addFieldOffset(2, sigKey, 0);
  fb.addFieldInt32(4, 0, 0);
  const sig = fb.endObject();
  const vCodes = vecOff(codeOffs);
  const vSub = vecOff([subgraph]);
  const desc = fb.createString('jingjie onnx-to-tflite spike');
  const vBuf = vecOff(bufOffs);
  const vSig = vecOff([sig]);
  fb.startObject(8);
  fb.addFieldInt32(0, 3, 0); // version
  fb.addFieldOffset(1, vCodes, 0);
  fb.addFieldOffset(2, vSub, 0);
  fb.addFieldOffset(3, desc, 0);
  fb.addFieldOffset(4, vBuf, 0);
  fb.addFieldOffset(7, vSig, 0);
  const model = fb.endObject();
  fb.finish(model, 'TFL3');
  return fb.asUint8Array();
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [src, dst] = process.argv
    .slice(2)
    .filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--taps'));
  const fp16 = process.argv.includes('--fp16');
  const ti = process.argv.indexOf('--taps');
  const taps = ti > 0 ? process.argv[ti + 1].split(',').filter(Boolean) : [];
  const t0 = Date.now();
  const r = convert(fs.readFileSync(src), { fp16, taps });
  fs.writeFileSync(dst, r.bytes);
  console.log(
    `${dst}: ${(r.bytes.length / 1e6).toFixed(1)} MB, ${r.ops} TFLite ops, ${r.tensors} tensors, ${Date.now() - t0} ms`,
  );
  console.log('ONNX ops converted:', r.counts);
}
