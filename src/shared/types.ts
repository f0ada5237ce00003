// Contracts between the page (src/) and the inference worker (workers/). No DOM, no code with side effects.
import type { AlphaFormatId } from './formats';

export type Backend = 'webgpu' | 'wasm';
export type Precision = 'uint8' | 'int8' | 'fp16' | 'fp32';

/** One entry of public/models/models.json, written by `npm run models`. */
export interface ModelVariant {
  id: string;
  /** Human name of the weights actually loaded; never "RMBG-1.4" for the IS-Net fallback. */
  name: string;
  file: string;
  bytes: number;
  sha256: string;
  /** Absent only for an imported file whose precision is not known (not an official file). */
  precision?: Precision;
  source: string;
  licence: string;
  backends: Backend[];
  inputName: string;
  outputName: string;
  /** Adapter features a WebGPU session needs (e.g. "shader-f16"). */
  requires?: string[];
  pruned?: boolean;
  /** onnxruntime's graph optimisations at this level were applied by `npm run models` (offline). */
  preOptimized?: 'basic';
  /**
   * graphOptimizationLevel for WASM sessions of this graph; absent means 'all'. `npm run models`
   * writes 'disabled' where that was measured to start much faster with the same masks and run
   * time (docs/models.md, "Warm load").
   */
  wasmGraphOptimization?: GraphOptimizationLevel;
  /** Set on a model a person imported from a file (issue 14), kept in IndexedDB by its sha256. */
  imported?: ImportedInfo;
}

/** Where an imported model came from. Its variant id is `imported-<first 16 hex of its sha256>`. */
export interface ImportedInfo {
  /** The name of the file that was picked. */
  fileName: string;
  /** When it was imported (ms since 1970). */
  importedAt: number;
  /** The bytes are an official RMBG-1.4 file (src/shared/known-models.ts), so its name says which. */
  verified: boolean;
}

/** Why an imported file's inputs or outputs are not the ones the pipeline feeds and reads. */
export type InterfaceIssue = 'inputName' | 'outputName' | 'inputFormat' | 'outputFormat';

/** Why the test inference of an imported file failed: it threw, or gave a wrong or non-finite mask. */
export type TestRunIssue = 'error' | 'outputShape' | 'notFinite';

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface ModelManifest {
  version: number;
  defaults: Record<Backend, string>;
  variants: ModelVariant[];
}

export interface EngineOptions {
  /** Force a backend; default: WebGPU when an adapter works, else WASM. */
  backend?: Backend;
  /** Force a variant id from the manifest; default: the manifest's default for the backend. */
  variant?: string;
  /**
   * A variant to run when the manifest has it and it fits the backend, else the default (a person's
   * saved choice: unlike `variant`, it never fails the load).
   */
  preferVariant?: string;
  /** WASM threads; default: one per logical core when crossOriginIsolated, else 1. */
  threads?: number;
  /** Base URL of the model files and models.json (default: `<app>/models/`). */
  modelBaseUrl?: string;
  /**
   * Base URL of onnxruntime-web's runtime files (`ort-wasm-simd-threaded*.mjs`/`.wasm`; default:
   * `<app>/ort/`). The embeddable package (lib/) sets it so a site serves them where it likes.
   */
  runtimeBaseUrl?: string;
  /** Skip the IndexedDB cache (for benchmarks of the network path). */
  noCache?: boolean;
  /**
   * How long the inference worker may stay silent while a load starts and downloads (it says it
   * is up at once and beats every 5 s) before it is taken as stuck and replaced, once; a second
   * silence fails the load with WorkerNotStarted. Default 30 s.
   */
  silenceTimeoutMs?: number;
}

export type LoadStage = 'manifest' | 'download' | 'verify' | 'session' | 'ready';

/**
 * Moments of a first load, for the timeline the page records as performance marks `jj:<event>`
 * (the bench reads them): the worker is running, onnxruntime's wasm is compiled and started, all
 * model bytes are in, their sha256 matched, the session is created; and, after the load, the
 * model bytes are in IndexedDB (at once when they came from there), so the model works offline.
 */
export type LoadEvent =
  | 'worker-up'
  | 'wasm-ready'
  | 'model-bytes'
  | 'verified'
  | 'session'
  | 'model-stored'
  /** Not a moment: the worker's heartbeat during a load (every 5 s), never a mark. */
  | 'alive';

export interface LoadProgress {
  stage: LoadStage;
  /** Set on a message that reports a moment of the load rather than a change of stage. */
  event?: LoadEvent;
  /** Bytes received so far and total, for the model download. */
  loaded?: number;
  total?: number;
  variant?: string;
  variantName?: string;
  fromCache?: boolean;
}

/** Why WebGPU is not used: no navigator.gpu, no adapter, the adapter request threw, no variant fits it, or it failed. */
export type FallbackCode = 'noWebGpu' | 'noAdapter' | 'adapterFailed' | 'noVariant' | 'webGpuFailed';

/** Why the model was not kept for the next visit: storage full, or storage unavailable (private mode). */
export type StorageCode = 'quota' | 'unavailable';

export interface EngineInfo {
  backend: Backend;
  variant: ModelVariant;
  threads: number;
  crossOriginIsolated: boolean;
  simd: boolean;
  /** Why the engine is not on WebGPU, as a code the UI words (src/i18n `engine.fallback.<code>`). */
  fallback?: FallbackCode;
  /** The same for developers, in English with the browser's own message (never shown as UI text). */
  fallbackReason?: string;
  /** Where the model bytes came from on this load. */
  modelFrom: 'network' | 'indexeddb';
  /** A storage problem that did not stop the engine (e.g. private mode), as a code the UI words. */
  storage?: StorageCode;
  /** The same for developers, in English with the browser's own message (never shown as UI text). */
  storageWarning?: string;
  loadMs: number;
}

export interface StageTimings {
  decode: number;
  preprocess: number;
  inference: number;
  postprocess: number;
  refine: number;
  encode: number;
  total: number;
}

/** A cut-out's own encoding: the formats that keep transparency (src/shared/formats.ts). */
export type OutputFormat = AlphaFormatId;

export interface RemoveOptions {
  /** Output encoding (default png). */
  format?: OutputFormat;
  /** Edge-aware upsampling of the mask (default on). */
  refineEdges?: boolean;
  /** Estimate the subject's colours in soft edges (default on). */
  decontaminate?: boolean;
  /** Solid background colour `#rrggbb`; default transparent. */
  background?: string;
  /** Also return the mask as an 8-bit grayscale PNG. */
  maskPng?: boolean;
  /** Pixel limit; images above it are downsized with a notice (default 64 MP on devices reporting ≥ 8 GB, 50 MP when unknown, less on low-memory devices). */
  maxPixels?: number;
  /** File size limit in bytes; larger files fail with FileTooLarge (default 20 MB). */
  maxBytes?: number;
  /** The file's name, used in error messages and notices (default: the File's own name). */
  fileName?: string;
}

/** Why a result is not simply the whole photo: downsized to fit memory, or an animation's first frame. */
export type ResultNote = 'downsized' | 'firstFrame';

/** A small window of the cut-out as the plain pipeline makes it: RGBA, width×height, at (left, top). */
export interface UnrefinedCrop {
  left: number;
  top: number;
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** A long-running stage of a job, reported while it runs (worded in src/i18n as `progress.<code>`). */
export type RemoveProgress = 'refine';

export interface RemoveResult {
  blob: Blob;
  mask: Uint8ClampedArray;
  maskPng?: Blob;
  width: number;
  height: number;
  /** Size of the decoded original before any downsizing. */
  originalWidth: number;
  originalHeight: number;
  /** Set when the image was downsized to fit the device. */
  notice?: string;
  /** What `notice` says, as codes a UI can word in its own language. */
  notes?: ResultNote[];
  /** Centre of the 256×256 region where the soft edge (hair, fur) is densest, in result pixels. */
  edgeFocus?: {
    x: number;
    y: number;
    /** The same window cut out without edge refinement (bilinear mask, original colours), when refined. */
    unrefined?: UnrefinedCrop;
  };
  backend: Backend;
  variant: string;
  timings: StageTimings;
}

/** What the page asks the worker to load. */
export interface LoadRequest extends EngineOptions {
  /** Absolute URL of the folder holding models.json and the model files. */
  modelBaseUrl: string;
  /** Absolute URL of the folder holding onnxruntime-web's .mjs/.wasm files. */
  ortBaseUrl: string;
}
