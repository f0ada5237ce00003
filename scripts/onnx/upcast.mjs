// Graph surgery: turn a float16-compute graph into a float32 one (weights widened exactly).
import { DataType, onnx } from './model-io.mjs';

const F16 = DataType.FLOAT16;
const F32 = DataType.FLOAT;

/** IEEE 754 binary16 bits -> number. Every half value is exact in float32. */
export function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function widenTensor(t) {
  const count = t.dims.reduce((a, d) => a * Number(d), 1);
  const out = new Float32Array(count);
  if (t.rawData && t.rawData.length) {
    if (t.rawData.length !== count * 2)
      throw new Error(`tensor ${t.name}: ${t.rawData.length} bytes for ${count} halves`);
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
  } else if (t.int32Data && t.int32Data.length === count) {
    // ONNX stores float16 in int32_data (one half per int32) when raw_data is not used.
    for (let i = 0; i < count; i++) out[i] = halfToFloat(t.int32Data[i] & 0xffff);
  } else if (count !== 0) {
    throw new Error(`tensor ${t.name}: float16 data is neither raw_data nor int32_data (external data?)`);
  }
  t.dataType = F32;
  t.rawData = new Uint8Array(out.buffer);
  t.int32Data = [];
}

function setElemType(valueInfo, from, to) {
  const tt = valueInfo?.type?.tensorType;
  if (tt && tt.elemType === from) {
    tt.elemType = to;
    return true;
  }
  return false;
}

export function upcastFp16(model) {
  const g = model.graph;
  const stats = { initializers: 0, constants: 0, castsRetargeted: 0, castsRemoved: 0, valueInfo: 0 };

  for (const t of g.initializer) {
    if (t.dataType === F16) {
      widenTensor(t);
      stats.initializers++;
    }
  }
  for (const node of g.node) {
    for (const a of node.attribute) {
      if (a.t && a.t.dataType === F16) {
        widenTensor(a.t);
        stats.constants++;
      }
      for (const t of a.tensors ?? []) if (t.dataType === F16) (widenTensor(t), stats.constants++);
      if ((a.name === 'to' || a.name === 'dtype') && Number(a.i) === F16) {
        a.i = F32;
        stats.castsRetargeted++;
      }
    }
  }
  for (const v of [...g.input, ...g.output, ...g.valueInfo]) if (setElemType(v, F16, F32)) stats.valueInfo++;

  // Types now known for values: graph inputs/outputs, value_info, initializers.
  const typeOf = new Map();
  for (const v of [...g.input, ...g.output, ...g.valueInfo]) typeOf.set(v.name, v.type?.tensorType?.elemType);
  for (const t of g.initializer) typeOf.set(t.name, t.dataType);

  const graphInputs = new Set(g.input.map((v) => v.name));
  const graphOutputs = new Set(g.output.map((v) => v.name));
  const rename = (from, to) => {
    for (const node of g.node) {
      node.input = node.input.map((n) => (n === from ? to : n));
      node.output = node.output.map((n) => (n === from ? to : n));
    }
  };

  // A Cast from float to float is now a no-op: splice it out.
  for (let i = 0; i < g.node.length;) {
    const node = g.node[i];
    const to =
      node.opType === 'Cast' && !node.domain ? Number(node.attribute.find((a) => a.name === 'to')?.i) : -1;
    const [x] = node.input;
    const [y] = node.output ?? [];
    if (to !== F32 || typeOf.get(x) !== F32) {
      i++;
      continue;
    }
    if (!graphOutputs.has(y)) {
      g.node.splice(i, 1);
      rename(y, x);
      g.valueInfo = g.valueInfo.filter((v) => v.name !== y);
    } else if (
      !graphInputs.has(x) &&
      !graphOutputs.has(x) &&
      g.node.some((n) => n !== node && n.output.includes(x))
    ) {
      // y must keep its name (callers fetch it), so the producer of x writes y directly.
      g.node.splice(i, 1);
      rename(x, y);
      g.valueInfo = g.valueInfo.filter((v) => v.name !== x);
    } else {
      i++;
      continue;
    }
    stats.castsRemoved++;
  }
  return stats;
}

/** Record what was done to the graph in its metadata_props, so a file explains itself. */
export function noteInMetadata(model, key, value) {
  model.metadataProps = (model.metadataProps ?? []).filter((p) => p.key !== key);
  model.metadataProps.push(onnx.StringStringEntryProto.create({ key, value }));
}
