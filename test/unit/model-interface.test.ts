// An imported model file (issue 14) is judged by its interface: one input `input` float32
// [1,3,1024,1024], an output `output` [1,1,1024,1024], a finite mask from a test run. Checked on
// what onnxruntime-node says of graphs written here, and on plain metadata for the edge cases.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { checkInterface, checkTestOutput, type IoMeta } from '../../workers/model-interface';
import { importedId } from '../../workers/model-import';
import { KNOWN_MODELS, knownModel } from '../../src/shared/known-models';
import { errorMessage } from '../../src/i18n/errors';
import { translate } from '../../src/i18n/translate';
import { en } from '../../src/i18n/en';
import { zh } from '../../src/i18n/zh';
import { JingjieError } from '../../src/shared/errors';
import { formatBytes } from '../../src/shared/bytes';
import { WARMUP_MODEL } from '../../workers/session';
import { tinyModel, type TinyGraph } from '../e2e/helpers/tiny-onnx';

async function judge(bytes: Uint8Array) {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const problem = checkInterface(s.inputNames, s.outputNames, s.inputMetadata, s.outputMetadata);
    if (problem) return problem;
    const input = new ort.Tensor('float32', new Float32Array(3 * 1024 * 1024), [1, 3, 1024, 1024]);
    const out = (await s.run({ input }, ['output'])).output;
    return checkTestOutput(out.type, out.dims, out.data as Float32Array) ?? 'ok';
  } finally {
    await s.release();
  }
}

const graph = (g: TinyGraph) => judge(tinyModel(g));

describe('the interface of an imported model', () => {
  it('takes a graph with the app’s interface, and one with a symbolic batch axis', async () => {
    expect(await graph({})).toBe('ok');
    expect(await graph({ inputDims: ['batch', 3, 1024, 1024], outputDims: ['batch', 1, 1024, 1024] })).toBe(
      'ok',
    );
  });

  it('refuses other names, sizes and types, saying which and what it found', async () => {
    expect(await judge(WARMUP_MODEL)).toEqual({ issue: 'inputName', found: 'x', expected: 'input' });
    expect(await graph({ inputName: 'image' })).toMatchObject({ issue: 'inputName', found: 'image' });
    expect(await graph({ outputName: 'mask' })).toEqual({
      issue: 'outputName',
      found: 'mask',
      expected: 'output',
    });
    expect(await graph({ inputDims: [1, 3, 512, 512], outputDims: [1, 1, 512, 512] })).toEqual({
      issue: 'inputFormat',
      found: 'float32 [1,3,512,512]',
      expected: 'float32 [1,3,1024,1024]',
    });
    expect(await graph({ op: 'identity' })).toEqual({
      issue: 'outputFormat',
      found: 'float32 [1,3,1024,1024]',
      expected: 'float32 [1,1,1024,1024]',
    });
    // float16 at the boundary is refused: the pipeline feeds and reads float32.
    expect(await graph({ type: 'float16' })).toMatchObject({
      issue: 'inputFormat',
      found: 'float16 [1,3,1024,1024]',
    });
  });

  it('leaves undeclared and symbolic shapes to the test run, which checks the mask', async () => {
    expect(await graph({ op: 'identity', inputDims: ['n', 'c', 'h', 'w'] })).toEqual({
      issue: 'outputShape',
      found: 'float32 [1,3,1024,1024]',
    });
    const meta = (name: string, shape?: (number | string)[]): IoMeta => ({
      name,
      isTensor: true,
      type: 'float32',
      shape,
    });
    expect(
      checkInterface(['input'], ['output', 'side1'], [meta('input', [])], [meta('output')]),
    ).toBeUndefined();
    expect(checkInterface(['input'], ['output'], [meta('input', [1, 3, 1024])])?.issue).toBe('inputFormat');
    expect(checkInterface(['input', 'extra'], ['output'])?.issue).toBe('inputName');
    expect(checkInterface(['input'], ['output'], [], [{ name: 'output', isTensor: false }])).toMatchObject({
      issue: 'outputFormat',
      found: 'non-tensor []',
    });
    const mask = new Float32Array(1024 * 1024);
    expect(checkTestOutput('float32', [1, 1, 1024, 1024], mask)).toBeUndefined();
    mask[5] = NaN;
    expect(checkTestOutput('float32', [1, 1, 1024, 1024], mask)).toEqual({ issue: 'notFinite' });
    expect(checkTestOutput('float16', [1, 1, 1024, 1024], mask)?.issue).toBe('outputShape');
  });
});

describe('naming an imported model', () => {
  it('names it RMBG-1.4 only when size and sha256 are an official file’s', () => {
    for (const k of KNOWN_MODELS) expect(knownModel(k.bytes, k.sha256)?.name).toMatch(/^RMBG-1\.4 \(BRIA\) /);
    const fp32 = KNOWN_MODELS[0];
    expect(knownModel(fp32.bytes + 1, fp32.sha256)).toBeUndefined();
    expect(knownModel(fp32.bytes, '0'.repeat(64))).toBeUndefined();
    expect(importedId(fp32.sha256)).toBe('imported-8cafcf770b06757c');
  });

  it('words each refusal in English and Chinese with the file and what was found', () => {
    const say = (lang: 'en' | 'zh', err: unknown) => {
      const { key, vars } = errorMessage(err, formatBytes, (k) => (lang === 'en' ? en : zh)[k]);
      return translate(lang, key, vars);
    };
    const wrong = new JingjieError('ModelWrongInterface', 'x', {
      fileName: 'tiny.onnx',
      issue: 'inputFormat',
      found: 'float32 [1,3,512,512]',
      expected: 'float32 [1,3,1024,1024]',
    });
    expect(say('en', wrong)).toBe(
      '“tiny.onnx” is an ONNX model, but not a compatible one: its input “input” is float32 [1,3,512,512], and the app needs float32 [1,3,1024,1024]. Nothing was changed.',
    );
    expect(say('zh', wrong)).toContain('“tiny.onnx”是 ONNX 模型，但不兼容');
    expect(say('en', new JingjieError('ModelNotOnnx', 'x', { fileName: 'cat.onnx' }))).toMatch(
      /^“cat\.onnx” is not an ONNX model/,
    );
    expect(
      say('en', new JingjieError('ModelTestRunFailed', 'x', { fileName: 'm.onnx', issue: 'error' })),
    ).toBe(en['error.ModelTestRunFailed.file'].replace('{fileName}', 'm.onnx'));
    // Without the detail, the generic message stands.
    expect(say('zh', new JingjieError('ModelWrongInterface', 'x'))).toBe(zh['error.ModelWrongInterface']);
  });
});
