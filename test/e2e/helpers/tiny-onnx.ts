// Tiny ONNX graphs written at test time (onnx-proto), for checking how an imported model file's
// interface is judged: one node from `input` to `output`, with the names, types and shapes a test
// wants. `ReduceMean` over the channels makes the app's interface ([1,3,1024,1024] → [1,1,1024,1024]).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto') as typeof import('onnx-proto');

export interface TinyGraph {
  inputName?: string;
  outputName?: string;
  /** 'float32' (default) or 'float16' for the input and output. */
  type?: 'float32' | 'float16';
  inputDims?: (number | string)[];
  outputDims?: (number | string)[];
  /** 'identity' passes the input through; 'meanOfChannels' (default) averages its channels. */
  op?: 'identity' | 'meanOfChannels';
}

export function tinyModel(g: TinyGraph = {}): Uint8Array {
  const elemType = g.type === 'float16' ? onnx.TensorProto.DataType.FLOAT16 : onnx.TensorProto.DataType.FLOAT;
  const inputName = g.inputName ?? 'input';
  const outputName = g.outputName ?? 'output';
  const op = g.op ?? 'meanOfChannels';
  const inputDims = g.inputDims ?? [1, 3, 1024, 1024];
  const outputDims = g.outputDims ?? (op === 'identity' ? inputDims : [1, 1, 1024, 1024]);
  const valueInfo = (name: string, dims: (number | string)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType,
          shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
        },
      },
    });
  const node =
    op === 'identity'
      ? onnx.NodeProto.create({ opType: 'Identity', input: [inputName], output: [outputName] })
      : onnx.NodeProto.create({
          opType: 'ReduceMean',
          input: [inputName],
          output: [outputName],
          attribute: [
            { name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1] },
            { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
          ],
        });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'jingjie-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny',
      node: [node],
      input: [valueInfo(inputName, inputDims)],
      output: [valueInfo(outputName, outputDims)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
