// The interface every model here has, fixed by design: one input `input` float32 [1,3,1024,1024]
// (the photo, resized and normalised), and an output `output` [1,1,1024,1024] (the mask; other
// outputs are never fetched). An imported model file (issue 14) is checked against it twice:
// what onnxruntime's session says of its inputs and outputs, then one test inference.
import type { InterfaceIssue, TestRunIssue } from '../src/shared/types';

export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'output';
export const INPUT_DIMS: readonly number[] = [1, 3, 1024, 1024];
export const OUTPUT_DIMS: readonly number[] = [1, 1, 1024, 1024];

/** What an onnxruntime session says of one input or output (`inputMetadata`, ort ≥ 1.22). */
export interface IoMeta {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export interface InterfaceProblem {
  issue: InterfaceIssue;
  found: string;
  expected: string;
}

/** "float32 [1,3,1024,1024]"; a symbolic dimension keeps its name. */
export function formatIo(type: string | undefined, shape: ReadonlyArray<number | string>): string {
  return `${type ?? 'non-tensor'} [${shape.join(',')}]`;
}

/**
 * Declared dimensions against the wanted ones. Undeclared shapes and symbolic dimensions (a named
 * batch axis, say) pass here: the test inference then shows what they really are.
 */
function dimsFit(shape: ReadonlyArray<number | string> | undefined, want: readonly number[]): boolean {
  if (!shape || shape.length === 0) return true;
  if (shape.length !== want.length) return false;
  return shape.every((d, i) => typeof d === 'string' || d < 0 || d === want[i]);
}

/**
 * The first way the model's inputs/outputs differ from the interface, or undefined when they fit.
 * float16 inputs or outputs are refused (inputFormat/outputFormat): the pipeline feeds and reads
 * float32, and the official model_fp16.onnx keeps float32 at its boundary.
 */
export function checkInterface(
  inputNames: readonly string[],
  outputNames: readonly string[],
  inputs: readonly IoMeta[] = [],
  outputs: readonly IoMeta[] = [],
): InterfaceProblem | undefined {
  if (inputNames.length !== 1 || inputNames[0] !== INPUT_NAME)
    return { issue: 'inputName', found: inputNames.join(', ') || '—', expected: INPUT_NAME };
  if (!outputNames.includes(OUTPUT_NAME))
    return { issue: 'outputName', found: outputNames.join(', ') || '—', expected: OUTPUT_NAME };
  const io = [
    ['inputFormat', inputs.find((m) => m.name === INPUT_NAME), INPUT_DIMS],
    ['outputFormat', outputs.find((m) => m.name === OUTPUT_NAME), OUTPUT_DIMS],
  ] as const;
  for (const [issue, m, dims] of io) {
    if (!m) continue; // no metadata from this runtime: the test inference decides
    if (!m.isTensor || m.type !== 'float32' || !dimsFit(m.shape, dims))
      return {
        issue,
        found: formatIo(m.isTensor ? m.type : undefined, m.shape ?? []),
        expected: formatIo('float32', dims),
      };
  }
  return undefined;
}

/** The test inference's mask: float32 [1,1,1024,1024], every value finite. */
export function checkTestOutput(
  type: string,
  dims: readonly number[],
  data: ArrayLike<number>,
): { issue: TestRunIssue; found?: string } | undefined {
  if (type !== 'float32' || dims.length !== OUTPUT_DIMS.length || dims.some((d, i) => d !== OUTPUT_DIMS[i]))
    return { issue: 'outputShape', found: formatIo(type, dims) };
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return { issue: 'notFinite' };
  return undefined;
}
