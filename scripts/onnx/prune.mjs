// Graph surgery: keep only the named graph outputs and what they depend on.
export function pruneOutputs(model, keep) {
  const g = model.graph;
  const before = {
    outputs: g.output.length,
    nodes: g.node.length,
    initializers: g.initializer.length,
    valueInfo: g.valueInfo.length,
  };
  const missing = keep.filter((name) => !g.output.some((o) => o.name === name));
  if (missing.length) throw new Error(`pruneOutputs: graph has no output named ${missing.join(', ')}`);

  const initializerNames = new Set(g.initializer.map((t) => t.name));
  const producer = new Map();
  g.node.forEach((node, i) => node.output.forEach((name) => name && producer.set(name, i)));

  // Walk backwards from the kept outputs. Subgraph attributes (If/Loop bodies) would hide
  // extra inputs from this walk, so refuse them rather than prune wrongly.
  const needed = new Set();
  const keepNode = new Set();
  const stack = [...keep];
  while (stack.length) {
    const name = stack.pop();
    if (needed.has(name)) continue;
    needed.add(name);
    const i = producer.get(name);
    if (i === undefined || keepNode.has(i)) continue;
    keepNode.add(i);
    const node = g.node[i];
    if (node.attribute.some((a) => a.g || (a.graphs && a.graphs.length))) {
      throw new Error(`pruneOutputs: node ${node.name || node.opType} has a subgraph; not supported`);
    }
    for (const input of node.input) if (input) stack.push(input);
  }

  g.node = g.node.filter((_, i) => keepNode.has(i));
  // Every output of a kept node stays alive as a value, even if nothing reads it.
  const live = new Set(needed);
  for (const node of g.node) for (const name of node.output) if (name) live.add(name);
  g.output = g.output.filter((o) => keep.includes(o.name));
  g.initializer = g.initializer.filter((t) => needed.has(t.name));
  g.valueInfo = g.valueInfo.filter((v) => live.has(v.name) && !keep.includes(v.name));
  // Graph inputs stay (the caller feeds them), except old-style inputs that only declared an
  // initializer which is now gone.
  g.input = g.input.filter((v) => !initializerNames.has(v.name) || needed.has(v.name));
  if (g.quantizationAnnotation)
    g.quantizationAnnotation = g.quantizationAnnotation.filter((q) => live.has(q.tensorName));

  return {
    before,
    after: {
      outputs: g.output.length,
      nodes: g.node.length,
      initializers: g.initializer.length,
      valueInfo: g.valueInfo.length,
    },
  };
}
