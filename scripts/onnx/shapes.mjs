// Static shapes of the IS-Net float graph's activations, from its Conv/MaxPool attributes,
// Resize sizes and Concat inputs (no shape inference in onnx-proto; enough for this graph).
/** Static shapes of the IS-Net float graph's activations (Conv, pools, Resize, Concat, ...). */
export function inferShapes(model, inputDims = [1, 3, 1024, 1024]) {
  const g = model.graph;
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const shape = new Map([[g.input[0].name, inputDims]]);
  const attr = (n, name, d) => {
    const a = n.attribute.find((x) => x.name === name);
    return a ? (a.ints.length ? a.ints.map(Number) : Number(a.i)) : d;
  };
  for (const n of g.node) {
    const x = shape.get(n.input[0]);
    let y;
    if (n.opType === 'Conv' || n.opType === 'MaxPool') {
      const k =
        n.opType === 'Conv' ? inits.get(n.input[1]).dims.slice(2).map(Number) : attr(n, 'kernel_shape');
      const s = attr(n, 'strides', [1, 1]);
      const p = attr(n, 'pads', [0, 0, 0, 0]);
      const d = attr(n, 'dilations', [1, 1]);
      const c = n.opType === 'Conv' ? Number(inits.get(n.input[1]).dims[0]) : x[1];
      const out = (i) => Math.floor((x[2 + i] + p[i] + p[i + 2] - d[i] * (k[i] - 1) - 1) / s[i]) + 1;
      y = [1, c, out(0), out(1)];
    } else if (n.opType === 'Resize') {
      const sizes = inits.get(n.input[3]);
      y = sizes.int64Data.length
        ? sizes.int64Data.map(Number)
        : [...new BigInt64Array(new Uint8Array(sizes.rawData).buffer)].map(Number);
    } else if (n.opType === 'Concat') {
      y = [...x];
      y[1] = n.input.reduce((a, i) => a + shape.get(i)[1], 0);
    } else y = x;
    shape.set(n.output[0], y);
  }
  return shape;
}
