// The model on onnxruntime-node (native kernels): the app's manifest (public/models/models.json)
// names the default graph, the WASM default, so the CLI's masks are the app's; `--model` takes any
// .onnx with the same interface (input float32 [1,3,1024,1024] → output [1,1,1024,1024]).

import fs from 'node:fs';
import path from 'node:path';
import { JingjieError } from '../src/shared/errors';
import type { ModelManifest } from '../src/shared/types';
import { MODEL_SIZE } from '../workers/pipeline/preprocess';

export interface NodeModel {
  /** The variant's id from the manifest, or the file's name. */
  id: string;
  file: string;
  infer(input: Float32Array): Promise<Float32Array>;
}

/** The manifest's WASM default, in the package's own public/models/. */
export function defaultModelFile(root: string): { id: string; file: string } {
  const dir = path.join(root, 'public/models');
  const manifestPath = path.join(dir, 'models.json');
  if (!fs.existsSync(manifestPath))
    throw new JingjieError(
      'RuntimeFailed',
      `No model manifest at ${manifestPath}: run npm run models, or pass --model.`,
    );
  const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as ModelManifest;
  const id = m.defaults.wasm;
  const v = m.variants.find((x) => x.id === id);
  if (!v) throw new JingjieError('RuntimeFailed', `The manifest names no variant ${id}.`);
  return { id, file: path.join(dir, v.file) };
}

export async function loadModel(file: string, id = path.basename(file)): Promise<NodeModel> {
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch (err) {
    throw new JingjieError('RuntimeFailed', `onnxruntime-node is not installed (${(err as Error).message}).`);
  }
  if (!fs.existsSync(file)) throw new JingjieError('RuntimeFailed', `No model file at ${file}.`);
  let session: import('onnxruntime-node').InferenceSession;
  try {
    session = await ort.InferenceSession.create(file);
  } catch (err) {
    throw new JingjieError(
      'ModelNotOnnx',
      `${file} could not be opened by onnxruntime: ${(err as Error).message}`,
    );
  }
  const input = session.inputNames.includes('input') ? 'input' : session.inputNames[0];
  const output = session.outputNames.includes('output') ? 'output' : session.outputNames[0];
  return {
    id,
    file,
    async infer(x) {
      const feeds = { [input]: new ort.Tensor('float32', x, [1, 3, MODEL_SIZE, MODEL_SIZE]) };
      const out = (await session.run(feeds, [output]))[output];
      if (out.type !== 'float32' || out.data.length !== MODEL_SIZE * MODEL_SIZE)
        throw new JingjieError(
          'ModelWrongInterface',
          `${file}: output ${output} is ${out.type} [${out.dims.join(',')}].`,
          {
            issue: 'outputFormat',
          },
        );
      return out.data as Float32Array;
    },
  };
}
