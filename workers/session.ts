// onnxruntime-web sessions: WebGPU when an adapter really works, else WASM (SIMD, threads when
// cross-origin isolated). Reports what actually ran. The runtime is loaded on demand: the plain
// SIMD-threaded build (14 MB of wasm) where WebGPU will not be used, the JSEP build (28 MB, WASM
// and WebGPU) where it may; and it is started (fetched, compiled, threads spawned) by a 70-byte
// warm-up graph while the model downloads.

import type * as Ort from 'onnxruntime-web';
import { JingjieError } from '../src/shared/errors';
import type {
  Backend,
  FallbackCode,
  GraphOptimizationLevel,
  ModelManifest,
  ModelVariant,
} from '../src/shared/types';

export interface GpuProbe {
  ok: boolean;
  features: string[];
  code?: FallbackCode;
  reason?: string;
}

/** Feature-detect WebGPU: `navigator.gpu` may exist while requestAdapter() returns null. */
export async function probeWebGpu(): Promise<GpuProbe> {
  const gpu = (
    navigator as unknown as { gpu?: { requestAdapter(): Promise<{ features: Set<string> } | null> } }
  ).gpu;
  if (!gpu)
    return { ok: false, features: [], code: 'noWebGpu', reason: 'WebGPU is not available in this browser.' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter)
      return { ok: false, features: [], code: 'noAdapter', reason: 'No WebGPU adapter was found.' };
    return { ok: true, features: [...adapter.features] };
  } catch (err) {
    return {
      ok: false,
      features: [],
      code: 'adapterFailed',
      reason: `WebGPU adapter request failed: ${(err as Error).message}`,
    };
  }
}

/**
 * WASM threads: one per logical core the browser reports, when cross-origin isolated (threads need
 * SharedArrayBuffer). Chosen by measurement (docs/speed.md, "Threads"): on the 2-core machine,
 * one thread per core is the fastest point of the curve and more threads than cores only lose;
 * the former cap of 4 left most of an 8–16-core machine idle, and imgly, on the same runtime,
 * also uses every core.
 */
export function defaultThreads(): number {
  // WebKitGTK 2.50 reports crossOriginIsolated but has no SharedArrayBuffer: one thread there, as
  // onnxruntime itself would run, so the engine details do not claim threads it cannot use.
  if (!self.crossOriginIsolated || typeof SharedArrayBuffer !== 'function') return 1;
  return Math.max(1, navigator.hardwareConcurrency || 2);
}

/** Which onnxruntime-web build runs: 'wasm' is the plain SIMD-threaded one, 'jsep' also runs WebGPU. */
export type RuntimeKind = 'wasm' | 'jsep';

/**
 * The build a backend needs. Only a WebGPU session needs JSEP; once JSEP is loaded, WASM sessions
 * (a WebGPU fallback) run on it too, since one worker holds one runtime.
 */
export function runtimeFor(backend: Backend, loaded?: RuntimeKind): RuntimeKind {
  return backend === 'webgpu' || loaded === 'jsep' ? 'jsep' : 'wasm';
}

/**
 * A graph of one Identity node (float [1] → float [1]), 70 bytes, written with onnx-proto. Creating a
 * session on it fetches and compiles onnxruntime's wasm and starts its threads, so that work runs
 * alongside the model download instead of after it.
 */
export const WARMUP_MODEL = new Uint8Array([
  8, 7, 58, 60, 10, 16, 10, 1, 120, 18, 1, 121, 34, 8, 73, 100, 101, 110, 116, 105, 116, 121, 18, 6, 119, 97,
  114, 109, 117, 112, 90, 15, 10, 1, 120, 18, 10, 10, 8, 8, 1, 18, 4, 10, 2, 8, 1, 98, 15, 10, 1, 121, 18, 10,
  10, 8, 8, 1, 18, 4, 10, 2, 8, 1, 66, 4, 10, 0, 16, 13,
]);

let runtime: { kind: RuntimeKind; ort: Promise<typeof Ort> } | undefined;
let ort: typeof Ort | undefined;

/**
 * Load and start onnxruntime-web (once per worker): import the build, point it at our own copy of
 * its .mjs/.wasm, and create and release the warm-up session. numThreads is read once, when the
 * wasm module starts; later changes are ignored. Resolves when the runtime can create sessions.
 */
export function startRuntime(kind: RuntimeKind, ortBaseUrl: string, threads: number): Promise<typeof Ort> {
  if (runtime) return runtime.ort;
  const ready = (async () => {
    const m: typeof Ort =
      kind === 'jsep' ? await import('onnxruntime-web') : await import('onnxruntime-web/wasm');
    m.env.wasm.wasmPaths = ortBaseUrl;
    m.env.wasm.numThreads = threads;
    m.env.wasm.proxy = false;
    m.env.logLevel = 'error';
    const warm = await m.InferenceSession.create(WARMUP_MODEL, { executionProviders: ['wasm'] });
    await warm.release();
    ort = m;
    return m;
  })();
  runtime = { kind, ort: ready };
  ready.catch(() => {
    if (runtime?.ort === ready) runtime = undefined; // a later load may try again
  });
  return ready;
}

/** The build started so far, if any. */
export function runtimeKind(): RuntimeKind | undefined {
  return runtime?.kind;
}

export function variantFits(v: ModelVariant, backend: Backend, gpuFeatures: string[]): boolean {
  if (!v.backends.includes(backend)) return false;
  if (backend === 'webgpu' && v.precision === 'uint8') return false;
  if (backend === 'webgpu') return (v.requires ?? []).every((f) => gpuFeatures.includes(f));
  return true;
}

/**
 * The variant a load runs on `backend`: `forced` (the API's `variant`: fails when the manifest lacks
 * it, undefined when it does not fit), else `prefer` (a person's saved choice) when the manifest has
 * it and it fits, else the manifest's default for the backend, else the first that fits.
 */
export function pickVariantFor(
  m: ModelManifest,
  backend: Backend,
  gpuFeatures: string[],
  o: { forced?: string; prefer?: string } = {},
): ModelVariant | undefined {
  const fits = (v: ModelVariant) => variantFits(v, backend, gpuFeatures);
  if (o.forced) {
    const v = m.variants.find((x) => x.id === o.forced);
    if (!v) throw new JingjieError('RuntimeFailed', `No model variant "${o.forced}" in models.json.`);
    return fits(v) ? v : undefined;
  }
  const id = m.defaults[backend];
  return (
    m.variants.find((x) => x.id === o.prefer && fits(x)) ??
    m.variants.find((x) => x.id === id && fits(x)) ??
    m.variants.find(fits)
  );
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
): Promise<Ort.InferenceSession> {
  if (!ort) throw new JingjieError('RuntimeFailed', 'onnxruntime-web is not started.');
  const options: Ort.InferenceSession.SessionOptions = {
    executionProviders: [backend === 'webgpu' ? 'webgpu' : 'wasm'],
    graphOptimizationLevel: graphOptimizationLevel(backend, variant),
    enableCpuMemArena: true,
    enableMemPattern: backend !== 'webgpu',
  };
  try {
    // onnxruntime copies the bytes into its wasm heap: pass the downloaded buffer itself, no copy of ours.
    return await ort.InferenceSession.create(model, options);
  } catch (err) {
    throw new JingjieError(
      'RuntimeFailed',
      `The model could not be started on ${backend}: ${(err as Error).message}`,
    );
  }
}

export async function runModel(
  session: Ort.InferenceSession,
  variant: ModelVariant,
  input: Float32Array,
  size: number,
): Promise<Float32Array> {
  if (!ort) throw new JingjieError('RuntimeFailed', 'onnxruntime-web is not started.');
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

/**
 * One inference on a blank image (every normalised value 0, a flat mid-grey photo), for checking an
 * imported model: the `output` tensor's type, dims and values, read back to the CPU.
 */
export async function testRun(
  session: Ort.InferenceSession,
  inputName: string,
  outputName: string,
  size: number,
): Promise<{ type: string; dims: readonly number[]; data: ArrayLike<number> }> {
  if (!ort) throw new JingjieError('RuntimeFailed', 'onnxruntime-web is not started.');
  const input = new ort.Tensor('float32', new Float32Array(3 * size * size), [1, 3, size, size]);
  const results = await session.run({ [inputName]: input }, [outputName]);
  const out = results[outputName];
  try {
    const data = (out.location === 'gpu-buffer' ? await out.getData() : out.data) as ArrayLike<number>;
    return { type: out.type, dims: out.dims, data };
  } finally {
    out.dispose();
  }
}
