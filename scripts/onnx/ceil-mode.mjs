// Graph surgery: MaxPool/AveragePool with ceil_mode=1 → ceil_mode=0 where that changes nothing.
// onnxruntime-web's WebGPU MaxPool does not implement ceil_mode padding, so the IS-Net graphs
// (PyTorch MaxPool2d(2, 2, ceil_mode=True) in every RSU block) would always fall back to WASM.
// With a fixed input size every pooled feature map here has an even size, where ceil and floor
// give the same output; the caller proves it by comparing outputs before and after.
export function dropCeilMode(model) {
  let changed = 0;
  for (const node of model.graph.node) {
    if (node.opType !== 'MaxPool' && node.opType !== 'AveragePool') continue;
    const attr = node.attribute.find((a) => a.name === 'ceil_mode');
    if (!attr || Number(attr.i) !== 1) continue;
    attr.i = 0;
    changed++;
  }
  return changed;
}
