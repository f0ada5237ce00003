// onnxruntime-web sessions: WebGPU when an adapter really works, else WASM (SIMD, threads when
// cross-origin isolated). Reports what actually ran.

import * as ort from 'onnxruntime-web';
import { JingjieError } from '../src/shared/errors';
import type { Backend, GraphOptimizationLevel, ModelVariant } from '../src/shared/types';

export interface GpuProbe {
  ok: boolean;
  features: string[];
  reason?: string;
}

/** Feature-detect WebGPU: `navigator.gpu` may exist while requestAdapter() returns null. */
export async function probeWebGpu(): Promise<GpuProbe> {
  const gpu = (
    navigator as unknown as { gpu?: { requestAdapter(): Promise<{ features: Set<string> } | null> } }
  ).gpu;
  if (!gpu) return { ok: false, features: [], reason: 'WebGPU is not available in this browser.' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { ok: false, features: [], reason: 'No WebGPU adapter was found.' };
    return { ok: true, features: [...adapter.features] };
  } catch (err) {
    return { ok: false, features: [], reason: `WebGPU adapter request failed: ${(err as Error).message}` };
  }
}

export function defaultThreads(): number {
  if (!self.crossOriginIsolated) return 1;
  const cores = navigator.hardwareConcurrency || 2;
  return Math.max(1, Math.min(cores, 4));
}

let envReady = false;
export function configureOrt(ortBaseUrl: string, threads: number): void {
  // numThreads is read once, when the wasm module starts; later changes are ignored.
  if (!envReady) {
    ort.env.wasm.wasmPaths = ortBaseUrl;
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = 'error';
    envReady = true;
  }
}

export function variantFits(v: ModelVariant, backend: Backend, gpuFeatures: string[]): boolean {
  if (!v.backends.includes(backend)) return false;
  if (backend === 'webgpu' && v.precision === 'uint8') return false;
  if (backend === 'webgpu') return (v.requires ?? []).every((f) => gpuFeatures.includes(f));
  return true;
}

/**
 * Graph optimisation level for a session. `npm run models` optimises graphs offline and, where
 * onnxruntime would fuse nothing more online (the uint8 ConvInteger graph), writes
 * `wasmGraphOptimization: 'disabled'` into the manifest: the WASM session then starts without
 * redoing the rewrites, with the same masks and run time (docs/models.md, "Warm load"). Other
 * variants, and WebGPU always, keep 'all'.
 */
export function graphOptimizationLevel(
  backend: Backend,
  variant?: Pick<ModelVariant, 'wasmGraphOptimization'>,
): GraphOptimizationLevel {
  return backend === 'wasm' ? (variant?.wasmGraphOptimization ?? 'all') : 'all';
}

export async function createSession(
  model: Uint8Array,
  backend: Backend,
  variant?: Pick<ModelVariant, 'wasmGraphOptimization'>,
): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [backend === 'webgpu' ? 'webgpu' : 'wasm'],
    graphOptimizationLevel: graphOptimizationLevel(backend, variant),
    enableCpuMemArena: true,
    enableMemPattern: backend !== 'webgpu',
  };
  try {
    return await ort.InferenceSession.create(model, options);
  } catch (err) {
    throw new JingjieError(
      'RuntimeFailed',
      `The model could not be started on ${backend}: ${(err as Error).message}`,
    );
  }
}

export async function runModel(
  session: ort.InferenceSession,
  variant: ModelVariant,
  input: Float32Array,
  size: number,
): Promise<Float32Array> {
  const feeds = { [variant.inputName]: new ort.Tensor('float32', input, [1, 3, size, size]) };
  // Fetch only the mask: the graphs carry side outputs nobody uses.
  const results = await session.run(feeds, [variant.outputName]);
  const out = results[variant.outputName];
  try {
    const data = (out.location === 'gpu-buffer' ? await out.getData() : out.data) as Float32Array;
    return data.slice(0, size * size);
  } finally {
    out.dispose();
  }
}
