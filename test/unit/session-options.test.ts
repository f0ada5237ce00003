// Which graph optimisation level a session gets: the manifest's wasmGraphOptimization on WASM
// (graphs prepared offline start with 'disabled'), 'all' otherwise and on WebGPU. Which variant a
// load runs: forced, a saved choice, or the manifest's default.
import { describe, expect, it } from 'vitest';
import { graphOptimizationLevel, pickVariantFor } from '../../workers/session';
import type { Backend, ModelManifest, ModelVariant } from '../../src/shared/types';

describe('graphOptimizationLevel', () => {
  it('follows the manifest on WASM and defaults to all', () => {
    expect(graphOptimizationLevel('wasm', { wasmGraphOptimization: 'disabled' })).toBe('disabled');
    expect(graphOptimizationLevel('wasm', {})).toBe('all');
    expect(graphOptimizationLevel('wasm')).toBe('all');
  });
  it('keeps all on WebGPU', () => {
    expect(graphOptimizationLevel('webgpu', { wasmGraphOptimization: 'disabled' })).toBe('all');
  });
});

describe('pickVariantFor', () => {
  const v = (id: string, backends: Backend[], precision: ModelVariant['precision'], requires?: string[]) =>
    ({ id, backends, precision, requires }) as ModelVariant;
  const m = {
    defaults: { wasm: 'fp16', webgpu: 'fp32' },
    variants: [
      v('uint8', ['wasm'], 'uint8'),
      v('fp16', ['wasm', 'webgpu'], 'fp16', ['shader-f16']),
      v('fp32', ['wasm', 'webgpu'], 'fp32'),
    ],
  } as unknown as ModelManifest;
  const id = (x: ModelVariant | undefined) => x?.id;

  it('takes the manifest default without a choice', () => {
    expect(id(pickVariantFor(m, 'wasm', []))).toBe('fp16');
    expect(id(pickVariantFor(m, 'webgpu', []))).toBe('fp32');
  });
  it('takes a saved choice that exists and fits, else the default, never failing', () => {
    expect(id(pickVariantFor(m, 'wasm', [], { prefer: 'uint8' }))).toBe('uint8');
    expect(id(pickVariantFor(m, 'webgpu', [], { prefer: 'uint8' }))).toBe('fp32'); // uint8 never on WebGPU
    expect(id(pickVariantFor(m, 'webgpu', [], { prefer: 'fp16' }))).toBe('fp32'); // no shader-f16
    expect(id(pickVariantFor(m, 'webgpu', ['shader-f16'], { prefer: 'fp16' }))).toBe('fp16');
    expect(id(pickVariantFor(m, 'wasm', [], { prefer: 'gone-since' }))).toBe('fp16');
  });
  it('a forced variant wins, and one the manifest lacks fails', () => {
    expect(id(pickVariantFor(m, 'wasm', [], { forced: 'fp32', prefer: 'uint8' }))).toBe('fp32');
    expect(() => pickVariantFor(m, 'wasm', [], { forced: 'nope' })).toThrow(/No model variant/);
  });
});
