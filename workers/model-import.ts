// Importing a model file a person holds (issue 14, "Use your own RMBG-1.4 model file"): read and
// hash it, open it with onnxruntime where it will run, check its inputs and outputs and one test
// inference on a blank image, and only then store it (IndexedDB, by sha256) and list it. Each
// failure is an error code carrying the file's name; nothing is stored unless every check passed.
// A file is named as what it is only when its size and sha256 are an official RMBG-1.4 file's.

import { JingjieError, asJingjieError } from '../src/shared/errors';
import { RMBG_LICENCE, knownModel } from '../src/shared/known-models';
import type { Backend, ModelVariant } from '../src/shared/types';
import { storeImported } from './model-store';
import { INPUT_NAME, OUTPUT_NAME, checkInterface, checkTestOutput } from './model-interface';
import { MODEL_SIZE } from './pipeline/preprocess';
import { createSession, testRun } from './session';
import { sha256Stream } from './sha256-stream';

/** The largest file taken: the official fp32 graph is 176 MB; a model's bytes must fit the wasm heap twice. */
export const MAX_IMPORT_BYTES = 512 * 1024 * 1024;

/** The variant id of an imported model, from its sha256 (the same file imported twice is one model). */
export function importedId(sha256: string): string {
  return `imported-${sha256.slice(0, 16)}`;
}

/** The file's bytes in one buffer of its size, hashed chunk by chunk as they are read. */
async function readAndHash(file: Blob, fileName: string): Promise<{ data: Uint8Array; sha256: string }> {
  const data = new Uint8Array(file.size);
  const hash = await sha256Stream();
  const reader = file.stream().getReader();
  let at = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (at + value.length > data.length) {
      await reader.cancel();
      throw new JingjieError('ModelNotOnnx', `${fileName} changed while it was read.`, { fileName });
    }
    data.set(value, at);
    hash.update(value);
    at += value.length;
  }
  return { data, sha256: hash.hex() };
}

/**
 * Checks a model file and stores it. `backend` and `gpuFeatures` are the loaded engine's: the test
 * runs where the model will run (WASM for a uint8 graph, or an fp16 one without shader-f16).
 */
export async function importModelFile(
  file: File,
  backend: Backend,
  gpuFeatures: readonly string[],
): Promise<ModelVariant> {
  const fileName = file.name || 'model.onnx';
  if (file.size === 0) throw new JingjieError('ModelNotOnnx', `${fileName} is empty.`, { fileName });
  if (file.size > MAX_IMPORT_BYTES)
    throw new JingjieError('FileTooLarge', `${fileName} is larger than a model this app can hold.`, {
      fileName,
      bytes: file.size,
      maxBytes: MAX_IMPORT_BYTES,
    });
  const { data, sha256 } = await readAndHash(file, fileName);
  const known = knownModel(data.length, sha256);
  const on: Backend =
    known?.precision === 'uint8' || (known?.precision === 'fp16' && !gpuFeatures.includes('shader-f16'))
      ? 'wasm'
      : backend;
  const variant: ModelVariant = {
    id: importedId(sha256),
    name: known?.name ?? fileName,
    file: '',
    bytes: data.length,
    sha256,
    precision: known?.precision,
    source: known ? `briaai/RMBG-1.4 onnx/${known.file} (imported file)` : 'imported file',
    licence: known ? RMBG_LICENCE : 'unknown (an imported file, not verified as RMBG-1.4)',
    backends: on === 'webgpu' ? ['wasm', 'webgpu'] : ['wasm'],
    inputName: INPUT_NAME,
    outputName: OUTPUT_NAME,
    ...(on === 'webgpu' && known?.precision === 'fp16' ? { requires: ['shader-f16'] } : {}),
    imported: { fileName, importedAt: Date.now(), verified: !!known },
  };

  let session: Awaited<ReturnType<typeof createSession>>;
  try {
    session = await createSession(data, on);
  } catch (err) {
    throw new JingjieError(
      'ModelNotOnnx',
      `${fileName}: onnxruntime could not open it (${(err as Error).message}).`,
      { fileName },
    );
  }
  try {
    const problem = checkInterface(
      session.inputNames,
      session.outputNames,
      session.inputMetadata,
      session.outputMetadata,
    );
    if (problem)
      throw new JingjieError(
        'ModelWrongInterface',
        `${fileName}: ${problem.issue} is ${problem.found}, expected ${problem.expected}.`,
        { fileName, ...problem },
      );
    let out: Awaited<ReturnType<typeof testRun>>;
    try {
      out = await testRun(session, INPUT_NAME, OUTPUT_NAME, MODEL_SIZE);
    } catch (err) {
      throw new JingjieError(
        'ModelTestRunFailed',
        `${fileName}: the test inference failed (${(err as Error).message}).`,
        {
          fileName,
          issue: 'error',
        },
      );
    }
    const bad = checkTestOutput(out.type, out.dims, out.data);
    if (bad)
      throw new JingjieError(
        'ModelTestRunFailed',
        `${fileName}: the test inference gave ${bad.found ?? 'non-finite values'}.`,
        {
          fileName,
          ...bad,
        },
      );
  } finally {
    await session.release().catch(() => undefined);
  }
  try {
    await storeImported(variant, data);
  } catch (err) {
    const e = asJingjieError(err, 'StorageUnavailable');
    const name = e.name === 'QuotaExceeded' ? 'QuotaExceeded' : 'StorageUnavailable';
    throw new JingjieError(name, `${fileName} could not be stored: ${e.message}`, { fileName });
  }
  return variant;
}
