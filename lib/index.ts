// The embeddable package's public API (issue 24): `removeBackground` and a task queue for other
// sites, on top of src/engine (one engine, the app's); `npm run build:lib` builds it into dist-lib/.

import { createEngine, type Engine } from '../src/engine';
import {
  ERROR_NAMES,
  JingjieError,
  asJingjieError,
  throwIfAborted,
  type ErrorName,
} from '../src/shared/errors';
import { FORMATS, type FormatId } from '../src/shared/formats';
import { BUILT_IN_PRESETS, plainPreset, type Preset } from '../src/shared/presets';
import type { TaskState } from '../src/shared/task';
import type { Backend, EngineInfo, LoadProgress, LoadStage } from '../src/shared/types';

export { ERROR_NAMES, JingjieError, FORMATS, BUILT_IN_PRESETS };
export type { ErrorName, FormatId, Preset, EngineInfo, Backend, TaskState };

/** Where the engine finds what the site hosts, and how it runs. Read when an engine starts. */
export interface Config {
  /** Folder holding `models.json` and the `.onnx` files. Default: `models/` beside this module. */
  modelBaseUrl?: string | URL;
  /** Folder holding onnxruntime-web's `ort-wasm-simd-threaded*.{mjs,wasm}`. Default: `ort/` beside this module. */
  runtimeBaseUrl?: string | URL;
  /** Force a backend; default WebGPU where an adapter works, else WASM. */
  backend?: Backend;
  /** WASM threads; default one per core when the page is cross-origin isolated, else 1. */
  threads?: number;
}

/**
 * A stage of one image: the model's load (`manifest`, `download`, `verify`, `session`, `ready`;
 * only while the model loads), then `process` (decode, inference, mask), `refine` (edge matting of
 * a large photo), `output` (preset or lossy encoding) and `done`.
 */
export type Stage = LoadStage | 'process' | 'refine' | 'output' | 'done';

export interface OutputOptions {
  /** A format of the registry: `png` (default), `webp`, `jpeg`. */
  format?: FormatId;
  /** Encoder quality of a lossy format, 1..100 (default: the registry's, 92). */
  quality?: number;
  /** Background colour `#rrggbb`; default transparent (white for a format without alpha). */
  background?: string;
  /** An output preset (see BUILT_IN_PRESETS): canvas, placement, background, format; wins over the rest. */
  preset?: Preset;
}

export interface RemoveOptions {
  signal?: AbortSignal;
  /** `fraction` is the part of that stage done, 0..1 (bytes of the download; 0 at the start of the others). */
  onProgress?: (stage: Stage, fraction: number) => void;
  output?: OutputOptions;
  /** A model variant id of the site's models.json (e.g. `isnet-uint8`); default: its default for the backend. */
  model?: string;
}

/** An image: a file or blob, a decoded bitmap, or the address of one (fetched with CORS). */
export type Input = Blob | ImageBitmap | URL | string;

let config: Config = {};

/** Set where the model and the runtime are hosted; engines started later use it. */
export function configure(c: Config): void {
  config = { ...config, ...c };
}

// Resolved against this module's own URL, so the defaults follow wherever the site put the package.
// (A variable, not `import.meta.url` inline: a bundler would take the literal for an asset to copy.)
const here = import.meta.url;

interface Slot {
  engine: Engine;
  listeners: Set<(p: LoadProgress) => void>;
}
const engines = new Map<string, Slot>();

/** One engine (one worker, one model in memory) per model and configuration. */
function slotFor(model: string | undefined): Slot {
  const c = {
    model: model ?? '',
    modelBaseUrl: new URL(config.modelBaseUrl ?? 'models/', here).href,
    runtimeBaseUrl: new URL(config.runtimeBaseUrl ?? 'ort/', here).href,
    backend: config.backend,
    threads: config.threads,
  };
  const key = JSON.stringify(c);
  let slot = engines.get(key);
  if (!slot) {
    const engine = createEngine({
      modelBaseUrl: c.modelBaseUrl,
      runtimeBaseUrl: c.runtimeBaseUrl,
      ...(model ? { variant: model } : {}),
      ...(c.backend ? { backend: c.backend } : {}),
      ...(c.threads ? { threads: c.threads } : {}),
    });
    slot = { engine, listeners: new Set() };
    engines.set(key, slot);
  }
  return slot;
}

/** Load (or join the load of) a slot's model, telling `onProgress` its stages. */
async function ready(slot: Slot, onProgress?: RemoveOptions['onProgress']): Promise<EngineInfo> {
  const hear = (p: LoadProgress) =>
    onProgress?.(
      p.stage,
      p.stage === 'download' && p.total ? (p.loaded ?? 0) / p.total : p.stage === 'ready' ? 1 : 0,
    );
  slot.listeners.add(hear);
  try {
    // One load per engine: every caller waiting for it hears its progress.
    return await slot.engine.load((p) => slot.listeners.forEach((f) => f(p)));
  } finally {
    slot.listeners.delete(hear);
  }
}

/** Start the model's load ahead of the first image (same options as removeBackground's `model`). */
export function preload(opts: Pick<RemoveOptions, 'model' | 'onProgress'> = {}): Promise<EngineInfo> {
  return ready(slotFor(opts.model), opts.onProgress);
}

async function toBlob(input: Input, signal?: AbortSignal): Promise<Blob> {
  if (input instanceof Blob) return input;
  if (typeof input === 'string' || input instanceof URL) {
    let res: Response;
    try {
      res = await fetch(input, { signal });
    } catch (err) {
      throwIfAborted(signal);
      throw new JingjieError('InputUnavailable', String(err));
    }
    if (!res.ok) throw new JingjieError('InputUnavailable', `HTTP ${res.status}`, { status: res.status });
    return res.blob();
  }
  if (typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap) {
    // Lossless, and the worker decodes it like any PNG (the pipeline's one way in).
    const canvas = new OffscreenCanvas(input.width, input.height);
    canvas.getContext('2d')!.drawImage(input, 0, 0);
    return canvas.convertToBlob({ type: 'image/png' });
  }
  throw new JingjieError('NotAnImage', 'Not a Blob, ImageBitmap or URL');
}

/**
 * Cut out the subject of an image. Resolves with the encoded file; rejects with a JingjieError
 * whose `name` is one of ERROR_NAMES (`AbortError` when `signal` aborts).
 */
export async function removeBackground(input: Input, opts: RemoveOptions = {}): Promise<Blob> {
  const { signal, onProgress, output = {} } = opts;
  try {
    throwIfAborted(signal);
    const slot = slotFor(opts.model);
    const [blob] = await Promise.all([toBlob(input, signal), ready(slot, onProgress)]);
    throwIfAborted(signal);
    const format = output.preset?.format ?? output.format ?? 'png';
    // PNG/WebP at the default quality come straight from the job; anything else is a preset.
    const direct = !output.preset && output.quality === undefined && FORMATS[format].alpha;
    onProgress?.('process', 0);
    const r = await slot.engine.removeBackground(blob, {
      signal,
      format: direct && format !== 'jpeg' ? format : 'png',
      ...(direct && output.background ? { background: output.background } : {}),
      onProgress: (code) => onProgress?.(code, 0),
    });
    let out = r.blob;
    if (!direct) {
      throwIfAborted(signal);
      onProgress?.('output', 0);
      out = await slot.engine.present(
        r.blob,
        output.preset ?? plainPreset(format, { colour: output.background, quality: output.quality }),
        {
          original: blob,
        },
      );
    }
    throwIfAborted(signal);
    onProgress?.('done', 1);
    return out;
  } catch (err) {
    throw asJingjieError(err);
  }
}

/** Where a task stands; `error` is set when it failed (its code) or was cancelled (`AbortError`). */
export interface TaskStatus {
  state: TaskState;
  error?: ErrorName;
}

export interface QueueEvents {
  progress: CustomEvent<{ id: string; stage: Stage; fraction: number }>;
  done: CustomEvent<{ id: string; blob: Blob }>;
  failed: CustomEvent<{ id: string; error: JingjieError }>;
  cancelled: CustomEvent<{ id: string }>;
}

interface QueueTask {
  state: TaskState;
  error?: JingjieError;
  abort: AbortController;
  result: Promise<Blob>;
  /** Settles `result` and announces the end, once. */
  finish(outcome: { blob: Blob } | { error: JingjieError }): void;
}

type Emit = <K extends keyof QueueEvents>(type: K, detail: QueueEvents[K]['detail']) => void;

/**
 * Many images, one at a time in submission order (the engine runs one job at a time anyway).
 * Events: `progress`, `done`, `failed`, `cancelled`, each a CustomEvent whose `detail` has the id.
 */
export class Queue extends EventTarget {
  #tasks = new Map<string, QueueTask>();
  #chain: Promise<unknown> = Promise.resolve();
  #next = 1;
  #defaults: Omit<RemoveOptions, 'signal' | 'onProgress'>;
  #emit: Emit = (type, detail) => this.dispatchEvent(new CustomEvent(type, { detail }));

  constructor(defaults: Omit<RemoveOptions, 'signal' | 'onProgress'> = {}) {
    super();
    this.#defaults = defaults;
  }

  /** Queue an image; returns its id at once. */
  submit(input: Input, opts: Omit<RemoveOptions, 'signal' | 'onProgress'> = {}): string {
    const id = `task-${this.#next++}`;
    let settle: { resolve(b: Blob): void; reject(e: JingjieError): void } | undefined;
    const result = new Promise<Blob>((resolve, reject) => (settle = { resolve, reject }));
    result.catch(() => undefined); // a failure nobody asked result() for is not unhandled
    const task: QueueTask = {
      state: 'queued',
      abort: new AbortController(),
      result,
      finish: (outcome) => {
        if (task.state !== 'queued' && task.state !== 'processing') return;
        if ('blob' in outcome) {
          task.state = 'done';
          settle!.resolve(outcome.blob);
          this.#emit('done', { id, blob: outcome.blob });
          return;
        }
        task.error = outcome.error;
        task.state = outcome.error.name === 'AbortError' ? 'cancelled' : 'failed';
        settle!.reject(outcome.error);
        if (task.state === 'cancelled') this.#emit('cancelled', { id });
        else this.#emit('failed', { id, error: outcome.error });
      },
    };
    this.#tasks.set(id, task);
    const run = async (): Promise<void> => {
      if (task.state !== 'queued') return; // cancelled while it waited
      task.state = 'processing';
      try {
        const blob = await removeBackground(input, {
          ...this.#defaults,
          ...opts,
          signal: task.abort.signal,
          onProgress: (stage, fraction) => this.#emit('progress', { id, stage, fraction }),
        });
        task.finish({ blob });
      } catch (err) {
        task.finish({ error: asJingjieError(err) });
      }
    };
    this.#chain = this.#chain.then(run);
    return id;
  }

  status(id: string): TaskStatus | undefined {
    const t = this.#tasks.get(id);
    return t && { state: t.state, ...(t.error ? { error: t.error.name } : {}) };
  }

  /** The task's file; rejects with its JingjieError when it failed or was cancelled. */
  result(id: string): Promise<Blob> {
    const t = this.#tasks.get(id);
    return t ? t.result : Promise.reject(new JingjieError('RuntimeFailed', `No task ${id}`));
  }

  /** Cancel a queued or running task (a queued one at once); false when it had already ended or is unknown. */
  cancel(id: string): boolean {
    const t = this.#tasks.get(id);
    if (!t || (t.state !== 'queued' && t.state !== 'processing')) return false;
    t.abort.abort();
    if (t.state === 'queued') t.finish({ error: new JingjieError('AbortError', 'Cancelled') });
    return true;
  }
}

/** A queue for many images; `defaults` apply to each `submit`. */
export function createQueue(defaults: Omit<RemoveOptions, 'signal' | 'onProgress'> = {}): Queue {
  return new Queue(defaults);
}

/** Stop every engine (worker and model memory); the next call starts a new one. */
export async function dispose(): Promise<void> {
  const all = [...engines.values()];
  engines.clear();
  await Promise.all(all.map((s) => s.engine.dispose()));
}
