// Which graph optimisation level a session gets: the manifest's wasmGraphOptimization on WASM
// (graphs prepared offline start with 'disabled'), 'all' otherwise and on WebGPU.
import { describe, expect, it } from 'vitest';
import { graphOptimizationLevel } from '../../workers/session';

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
