// Ground-truth benchmark for workers/refine: edge-aware alpha upsampling vs bilinear, and
// foreground estimation vs the naive original pixels, on procedural scenes with known
// answers; plus the cost of the whole refine stage at 12 MP.
//
// Standalone:  npx rolldown test/bench/edges.ts -p node -f esm -o bench-results/edges.mjs \
//                && node bench-results/edges.mjs [--scenes N] [--width W --height H] [--json]
// Library:     import { runEdgesBench } from './edges'

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  dilateMask,
  estimateForeground,
  upsampleAlphaGuided,
  refineAlpha,
  type ForegroundOptions,
  type GuidedUpsampleOptions,
} from '../../workers/refine/index';
import { MODEL_SIZE, preprocess } from '../../workers/pipeline/preprocess';
import { minMaxNormalize, upsampleMask } from '../../workers/pipeline/postprocess';
import {
  blurRgba,
  coverResize,
  downsampleAlphaArea,
  HARD_KINDS,
  makeKindScene,
  makeScene,
  proceduralBackground,
  type RgbImage,
  type Scene,
  SCENE_KINDS,
  type SceneKind,
} from '../support/scenes';
import {
  alphaErrors,
  gradientMagnitude,
  recompositeErrors,
  toFloatAlpha,
  type AlphaErrors,
  type ColourErrors,
  type Region,
} from '../support/edge-metrics';
import { decodePng as decodeRgba } from '../support/png';

// ------------------------------------------------------------------------ background photos

/** A background photo as opaque RGB (any alpha dropped), or null when it is not a PNG. */
export function decodePng(buf: Uint8Array): RgbImage | null {
  try {
    const img = decodeRgba(buf);
    const data = new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length);
    for (let i = 3; i < data.length; i += 4) data[i] = 255;
    return { width: img.width, height: img.height, data };
  } catch {
    return null;
  }
}

const PHOTOS = ['astronaut.png', 'coffee.png', 'chelsea.png', 'motorcycle_left.png', 'ihc.png'];

/** Background photos from scikit-image's sample data when installed (env JINGJIE_SKIMAGE_DATA or the Debian path). */
export function loadPhotos(dir?: string): { name: string; image: RgbImage }[] {
  const candidates = [dir, process.env.JINGJIE_SKIMAGE_DATA, '/usr/lib/python3/dist-packages/skimage/data'];
  const found = candidates.find((d): d is string => !!d && existsSync(join(d, PHOTOS[0])));
  if (!found) return [];
  const out: { name: string; image: RgbImage }[] = [];
  for (const name of PHOTOS) {
    const f = join(found, name);
    if (!existsSync(f)) continue;
    const image = decodePng(readFileSync(f));
    if (image) out.push({ name, image });
  }
  return out;
}

// ----------------------------------------------------------------------------------- bench

export interface EdgesBenchOptions {
  width?: number; // default 4000
  height?: number; // default 3000
  /** The model's grid (the alpha is squashed to it whatever the photo's aspect). Default 1024×1024. */
  lowWidth?: number;
  lowHeight?: number;
  scenes?: number; // default 3
  seed?: number; // default 1
  /** Timed repetitions after one cold run. Default 3. */
  timingRuns?: number;
  /** Use only procedural backgrounds. */
  proceduralOnly?: boolean;
  photosDir?: string;
  guided?: GuidedUpsampleOptions;
  foreground?: ForegroundOptions;
  log?: (line: string) => void;
}

export interface SceneResult {
  background: string;
  hairCount: number;
  upsample: Record<'bilinear' | 'guided', Record<Region, AlphaErrors>>;
  recomposite: { naive: ColourErrors; estimate: ColourErrors; pipelineEstimate: ColourErrors };
  /** wall ms of each call on this scene (the first scene's are cold), and CPU ms of guided + foreground */
  ms: { guided: number; foreground: number; bilinear: number; cpuRefine: number };
}

export interface EdgesBenchResult {
  width: number;
  height: number;
  lowWidth: number;
  lowHeight: number;
  scenes: SceneResult[];
  totals: {
    bilinear: Record<Region, AlphaErrors>;
    guided: Record<Region, AlphaErrors>;
    recompositeNaive: ColourErrors;
    recompositeEstimate: ColourErrors;
  };
  /** Relative change of the guided gradient error vs bilinear, in % (negative = better). */
  gradientChangePct: number;
  /** Relative change of the re-composite MSE vs naive, in % (negative = better). */
  recompositeChangePct: number;
  /**
   * Cost of the whole refine stage (guided upsampling + foreground). cpuMedianMs — the CPU time
   * of this process, all threads — is what the summary line reports: the code is
   * single-threaded, so on an idle core it equals the wall time, and unlike the wall time it
   * does not grow when other jobs share the machine. The wall-clock figures are kept too.
   */
  timing: {
    width: number;
    height: number;
    coldMs: number;
    coldCpuMs: number;
    medianMs: number;
    runsMs: number[];
    guidedMs: number;
    foregroundMs: number;
    cpuMedianMs: number;
    loadAverage: number;
    cores: number;
  };
  line: string;
}

function sumAlpha(list: AlphaErrors[]): AlphaErrors {
  const n = list.reduce((s, e) => s + e.pixels, 0);
  return {
    sad: list.reduce((s, e) => s + e.sad, 0),
    mse: n ? list.reduce((s, e) => s + e.mse * e.pixels, 0) / n : 0,
    grad: list.reduce((s, e) => s + e.grad, 0),
    pixels: n,
  };
}

function sumColour(list: ColourErrors[]): ColourErrors {
  const n = list.reduce((s, e) => s + e.pixels, 0);
  return {
    mse: n ? list.reduce((s, e) => s + e.mse * e.pixels, 0) / n : 0,
    mae: n ? list.reduce((s, e) => s + e.mae * e.pixels, 0) / n : 0,
    pixels: n,
  };
}

const pct = (a: number, b: number) => (b === 0 ? 0 : ((a - b) / b) * 100);
const signed = (v: number) => `${v <= 0 ? '-' : '+'}${Math.abs(v).toFixed(0)}%`;

export function runEdgesBench(options: EdgesBenchOptions = {}): EdgesBenchResult {
  const w = options.width ?? 4000,
    h = options.height ?? 3000;
  const lw = options.lowWidth ?? 1024,
    lh = options.lowHeight ?? 1024;
  const count = options.scenes ?? 3;
  const seed = options.seed ?? 1;
  const log = options.log ?? (() => {});
  const photos = options.proceduralOnly ? [] : loadPhotos(options.photosDir);
  const results: SceneResult[] = [];
  let timingScene: { comp: Uint8ClampedArray; low: Float32Array } | null = null;

  for (let s = 0; s < count; s++) {
    const photo = photos.length ? photos[s % photos.length] : null;
    const photo2 = photos.length > 1 ? photos[(s + 1) % photos.length] : null;
    const t0 = performance.now();
    const scene = makeScene({ width: w, height: h, seed: seed * 1000 + s, background: photo?.image });
    const low = downsampleAlphaArea(scene.alpha, w, h, lw, lh);
    log(
      `scene ${s}: ${photo ? photo.name : 'procedural'} background, ${scene.hairCount} strands, generated in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    if (!timingScene) timingScene = { comp: scene.composite, low };

    let t = performance.now();
    const bil = upsampleMask(low, lw, lh, w, h);
    const msBil = performance.now() - t;
    t = performance.now();
    let c0 = process.cpuUsage();
    const gui = upsampleAlphaGuided(low, lw, lh, scene.composite, w, h, options.guided);
    const msGui = performance.now() - t;
    let cu = process.cpuUsage(c0);
    let cpuRefine = (cu.user + cu.system) / 1000;

    const gradTrue = gradientMagnitude(scene.alpha, w, h);
    const upsample = {} as SceneResult['upsample'];
    for (const [name, pred8] of [
      ['bilinear', bil],
      ['guided', gui],
    ] as const) {
      const pred = toFloatAlpha(pred8);
      const gp = gradientMagnitude(pred, w, h);
      upsample[name] = {
        all: alphaErrors(pred, scene.alpha, w, h, 'all', gradTrue, gp),
        opaque: alphaErrors(pred, scene.alpha, w, h, 'opaque', gradTrue, gp),
        transparent: alphaErrors(pred, scene.alpha, w, h, 'transparent', gradTrue, gp),
      };
    }

    // Decontamination from the true (8-bit) alpha, re-composited onto another background.
    const a8 = new Uint8ClampedArray(w * h);
    for (let i = 0; i < w * h; i++) a8[i] = scene.alpha[i] * 255;
    const bg2 = photo2 ? coverResize(photo2.image, w, h) : proceduralBackground(w, h, seed * 1000 + s + 99);
    t = performance.now();
    c0 = process.cpuUsage();
    const fgEst = estimateForeground(scene.composite, a8, w, h, options.foreground);
    const msFg = performance.now() - t;
    cu = process.cpuUsage(c0);
    cpuRefine += (cu.user + cu.system) / 1000;
    const naive = recompositeErrors(scene.composite, scene.fg, a8, bg2);
    const estimate = recompositeErrors(fgEst, scene.fg, a8, bg2);
    // The real pipeline: F from the guided alpha, judged where that alpha is partial.
    const fgPipe = estimateForeground(scene.composite, gui, w, h, options.foreground);
    const pipelineEstimate = recompositeErrors(fgPipe, scene.fg, gui, bg2);
    results.push({
      background: photo ? photo.name : 'procedural',
      hairCount: scene.hairCount,
      upsample,
      recomposite: { naive, estimate, pipelineEstimate },
      ms: { guided: msGui, foreground: msFg, bilinear: msBil, cpuRefine },
    });
    log(
      `  grad ${upsample.bilinear.all.grad.toFixed(1)} → ${upsample.guided.all.grad.toFixed(1)}, ` +
        `recomposite mse ${naive.mse.toFixed(1)} → ${estimate.mse.toFixed(1)}`,
    );
  }

  // Timing: the whole refine stage (guided upsampling + foreground) on the first scene.
  const runs = options.timingRuns ?? 3;
  const ts = timingScene as { comp: Uint8ClampedArray; low: Float32Array };
  const refine = () => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const a = upsampleAlphaGuided(ts.low, lw, lh, ts.comp, w, h, options.guided);
    const t1 = performance.now();
    estimateForeground(ts.comp, a, w, h, options.foreground);
    const t2 = performance.now();
    const c = process.cpuUsage(c0);
    return { total: t2 - t0, guided: t1 - t0, fg: t2 - t1, cpu: (c.user + c.system) / 1000 };
  };
  const cold = results.length ? results[0].ms.guided + results[0].ms.foreground : refine().total;
  const runsMs: number[] = [];
  const parts: { guided: number; fg: number; total: number; cpu: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = refine();
    runsMs.push(r.total);
    parts.push(r);
  }
  const sorted = [...parts].sort((a, b) => a.total - b.total);
  const med = sorted[Math.floor(sorted.length / 2)] ?? { total: cold, guided: 0, fg: 0, cpu: 0 };
  const cpuTimes = parts.map((p) => p.cpu).sort((a, b) => a - b);
  const cpuMedianMs = cpuTimes[Math.floor(cpuTimes.length / 2)] ?? 0;
  const guidedMs = med.guided;
  const foregroundMs = med.fg;

  const totals = {
    bilinear: {
      all: sumAlpha(results.map((r) => r.upsample.bilinear.all)),
      opaque: sumAlpha(results.map((r) => r.upsample.bilinear.opaque)),
      transparent: sumAlpha(results.map((r) => r.upsample.bilinear.transparent)),
    },
    guided: {
      all: sumAlpha(results.map((r) => r.upsample.guided.all)),
      opaque: sumAlpha(results.map((r) => r.upsample.guided.opaque)),
      transparent: sumAlpha(results.map((r) => r.upsample.guided.transparent)),
    },
    recompositeNaive: sumColour(results.map((r) => r.recomposite.naive)),
    recompositeEstimate: sumColour(results.map((r) => r.recomposite.estimate)),
  };
  const gradientChangePct = pct(totals.guided.all.grad, totals.bilinear.all.grad);
  const recompositeChangePct = pct(totals.recompositeEstimate.mse, totals.recompositeNaive.mse);
  const mp = ((w * h) / 1e6).toFixed(0);
  const line =
    `edges: gradient error ${signed(gradientChangePct)} vs bilinear, ` +
    `re-composite error ${signed(recompositeChangePct)} vs naive, ${med.total.toFixed(0)} ms at ${mp} MP`;
  return {
    width: w,
    height: h,
    lowWidth: lw,
    lowHeight: lh,
    scenes: results,
    totals,
    gradientChangePct,
    recompositeChangePct,
    timing: {
      width: w,
      height: h,
      coldMs: cold,
      coldCpuMs: results[0]?.ms.cpuRefine ?? 0,
      medianMs: med.total,
      runsMs,
      guidedMs,
      foregroundMs,
      cpuMedianMs,
      loadAverage: loadavg()[0],
      cores: cpus().length,
    },
    line,
  };
}

export function formatTable(r: EdgesBenchResult): string {
  const rows: string[] = [];
  const f = (v: number, d = 2) => v.toFixed(d).padStart(10);
  rows.push(
    `Alpha upsampling ${r.lowWidth}×${r.lowHeight} → ${r.width}×${r.height}, ${r.scenes.length} scene(s) (SAD: Σ|Δα|/1000; MSE: mean Δα²; Grad: Σ(Δ|∇α|)², σ=1.4)`,
  );
  rows.push(
    `${'region'.padEnd(12)}${'method'.padEnd(10)}${'SAD'.padStart(10)}${'MSE×1e3'.padStart(10)}${'Grad'.padStart(10)}`,
  );
  for (const region of ['all', 'opaque', 'transparent'] as const) {
    for (const m of ['bilinear', 'guided'] as const) {
      const e = r.totals[m][region];
      rows.push(`${region.padEnd(12)}${m.padEnd(10)}${f(e.sad)}${f(e.mse * 1e3, 4)}${f(e.grad)}`);
    }
  }
  rows.push('');
  rows.push('Re-composite onto another background, over 0 < α < 1 (8-bit levels)');
  rows.push(`${'method'.padEnd(22)}${'MSE'.padStart(10)}${'MAE'.padStart(10)}`);
  rows.push(
    `${'naive (original RGB)'.padEnd(22)}${f(r.totals.recompositeNaive.mse)}${f(r.totals.recompositeNaive.mae)}`,
  );
  rows.push(
    `${'estimateForeground'.padEnd(22)}${f(r.totals.recompositeEstimate.mse)}${f(r.totals.recompositeEstimate.mae)}`,
  );
  const pipe = sumColour(r.scenes.map((s) => s.recomposite.pipelineEstimate));
  rows.push(`${'  (guided α pipeline)'.padEnd(22)}${f(pipe.mse)}${f(pipe.mae)}`);
  rows.push('');
  const t = r.timing;
  rows.push(
    `Refine (guided upsampling + foreground) at ${t.width}×${t.height}, ${t.runsMs.length} warm runs:`,
  );
  rows.push(
    `  CPU time median ${t.cpuMedianMs.toFixed(0)} ms (single-threaded: the wall time on an idle core)`,
  );
  rows.push(
    `  wall clock median ${t.medianMs.toFixed(0)} ms — the summary line (guided ${t.guidedMs.toFixed(0)} + foreground ${t.foregroundMs.toFixed(0)}), ` +
      `runs ${t.runsMs.map((v) => v.toFixed(0)).join('/')}, cold first call ${t.coldMs.toFixed(0)} ms ` +
      `(CPU ${t.coldCpuMs.toFixed(0)} ms); ` +
      `load average ${t.loadAverage.toFixed(1)} on ${t.cores} cores`,
  );
  return rows.join('\n');
}

// ------------------------------------------------------------ the model in the loop

/** The refinements compared with the model in the loop. */
export const METHODS = ['plain', 'guided', 'matting'] as const;
export type Method = (typeof METHODS)[number];

export interface BandErrors {
  /** In the edge band: Σ|Δα|/1000, mean Δα², Σ(Δ|∇α|)² (σ = 1.4). */
  sad: number;
  mse: number;
  grad: number;
  /** Re-composite onto another background vs the truth re-composited, mean squared error in 8-bit levels². */
  recomposite: number;
  /** Σ|Δα|/1000 over the whole image. */
  sadWhole: number;
  bandPixels: number;
}

export interface ModelSceneResult {
  kind: SceneKind;
  hard: boolean;
  /** With the real model's output. */
  model: Record<Method, BandErrors>;
  /** Idealised: the true alpha area-averaged to the model's grid plays the model output. */
  ideal: Record<Method, BandErrors>;
  inferenceMs: number;
}

export interface ModelBenchOptions {
  width?: number; // default 1600
  height?: number; // default 1200
  kinds?: readonly SceneKind[];
  seed?: number;
  /** Model file (default: models.json `defaults.wasm` in public/models). */
  modelPath?: string;
  /** Timing scene size (default 4000×3000) and warm runs (default 3); 0 runs skips timing. */
  timingWidth?: number;
  timingHeight?: number;
  timingRuns?: number;
  /** Optional folder to keep model outputs across runs (development only). */
  cacheDir?: string;
  log?: (line: string) => void;
}

export interface ModelBenchResult {
  width: number;
  height: number;
  modelFile: string;
  scenes: ModelSceneResult[];
  totals: {
    model: Record<Method, BandErrors>;
    ideal: Record<Method, BandErrors>;
    hard: Record<Method, BandErrors>;
  };
  gradientChangePct: number;
  recompositeChangePct: number;
  /**
   * The summary line reports the CPU time (single-threaded code: the wall time on an idle core;
   * unlike the wall time it does not grow with what else the machine runs).
   */
  timing: {
    width: number;
    height: number;
    /** wall ms of the whole refinement (matting + foreground), median of warm runs, and each run */
    medianMs: number;
    runsMs: number[];
    cpuMedianMs: number;
    mattingMs: number;
    foregroundMs: number;
    /** today's guided path (guided + foreground), median wall ms, for comparison */
    guidedMedianMs: number;
    loadAverage: number;
    cores: number;
  } | null;
  line: string;
}

/** Pixels within `r` px (Chebyshev) of a true soft pixel or of a 0/1 boundary. */
export function edgeBand(alpha: Float32Array, w: number, h: number, r = 8): Uint8Array {
  const seed = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x,
        a = alpha[i];
      if (a > 1e-4 && a < 1 - 1e-4) seed[i] = 1;
      else if (x + 1 < w && Math.abs(alpha[i + 1] - a) > 0.5) seed[i] = seed[i + 1] = 1;
      else if (y + 1 < h && Math.abs(alpha[i + w] - a) > 0.5) seed[i] = seed[i + w] = 1;
    }
  return dilateMask(seed, w, h, r); // square dilation
}

export function bandErrors(
  scene: Scene,
  band: Uint8Array,
  gradTrue: Float32Array,
  a8: Uint8ClampedArray,
  fgEst: Uint8ClampedArray,
  bg2: Uint8ClampedArray,
): BandErrors {
  const { width: w, height: h } = scene;
  const pred = toFloatAlpha(a8);
  const gp = gradientMagnitude(pred, w, h);
  let sad = 0,
    sq = 0,
    ge = 0,
    rc = 0,
    n = 0,
    whole = 0;
  for (let i = 0; i < w * h; i++) {
    const t = scene.alpha[i];
    const d = pred[i] - t;
    whole += Math.abs(d);
    if (!band[i]) continue;
    sad += Math.abs(d);
    sq += d * d;
    const g = gp[i] - gradTrue[i];
    ge += g * g;
    const o = i * 4,
      a = pred[i];
    for (let c = 0; c < 3; c++) {
      const est = a * fgEst[o + c] + (1 - a) * bg2[o + c];
      const tru = t * scene.fg[o + c] + (1 - t) * bg2[o + c];
      rc += (est - tru) * (est - tru);
    }
    n++;
  }
  return {
    sad: sad / 1000,
    mse: n ? sq / n : 0,
    grad: ge,
    recomposite: n ? rc / (3 * n) : 0,
    sadWhole: whole / 1000,
    bandPixels: n,
  };
}

function sumBand(list: BandErrors[]): BandErrors {
  const n = list.reduce((s, e) => s + e.bandPixels, 0);
  return {
    sad: list.reduce((s, e) => s + e.sad, 0),
    mse: n ? list.reduce((s, e) => s + e.mse * e.bandPixels, 0) / n : 0,
    grad: list.reduce((s, e) => s + e.grad, 0),
    recomposite: n ? list.reduce((s, e) => s + e.recomposite * e.bandPixels, 0) / n : 0,
    sadWhole: list.reduce((s, e) => s + e.sadWhole, 0),
    bandPixels: n,
  };
}

/** Each refinement of a low-res alpha: the alpha and the colours the cut-out would carry. */
function refineWith(
  method: Method,
  low: Float32Array,
  rgba: Uint8ClampedArray,
  w: number,
  h: number,
): { alpha: Uint8ClampedArray; fg: Uint8ClampedArray } {
  if (method === 'plain') return { alpha: upsampleMask(low, MODEL_SIZE, MODEL_SIZE, w, h), fg: rgba };
  const alpha =
    method === 'guided'
      ? upsampleAlphaGuided(low, MODEL_SIZE, MODEL_SIZE, rgba, w, h)
      : refineAlpha(low, MODEL_SIZE, MODEL_SIZE, rgba, w, h);
  return { alpha, fg: estimateForeground(rgba, alpha, w, h) };
}

interface OrtLike {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
}

/** Model file the app runs by default on WASM, from public/models/models.json. */
export function defaultWasmModel(root = process.cwd()): string {
  const m = JSON.parse(readFileSync(join(root, 'public/models/models.json'), 'utf8')) as {
    defaults: { wasm: string };
    variants: { id: string; file: string }[];
  };
  const v = m.variants.find((x) => x.id === m.defaults.wasm);
  if (!v) throw new Error(`models.json: no variant ${m.defaults.wasm}`);
  return join(root, 'public/models', v.file);
}

export async function runModelEdgesBench(options: ModelBenchOptions = {}): Promise<ModelBenchResult> {
  const w = options.width ?? 1600,
    h = options.height ?? 1200;
  const kinds = options.kinds ?? SCENE_KINDS;
  const seed = options.seed ?? 1;
  const log = options.log ?? (() => {});
  const modelFile = options.modelPath ?? defaultWasmModel();
  const ort = await import('onnxruntime-node');
  const session = (await ort.InferenceSession.create(modelFile, {
    intraOpNumThreads: Math.max(1, cpus().length),
  })) as unknown as OrtLike;
  const cache = new Map<string, Float32Array>();
  const infer = async (key: string, rgba: Uint8ClampedArray, sw: number, sh: number) => {
    const hit = cache.get(key);
    if (hit) return { low: hit, ms: 0 };
    const file = options.cacheDir ? join(options.cacheDir, `${key}.f32`) : '';
    if (file && existsSync(file)) {
      const b = readFileSync(file);
      const low = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      cache.set(key, low);
      return { low, ms: 0 };
    }
    const t0 = performance.now();
    const input = preprocess(rgba, sw, sh, MODEL_SIZE);
    const out = await session.run({
      input: new ort.Tensor('float32', input, [1, 3, MODEL_SIZE, MODEL_SIZE]),
    });
    const low = minMaxNormalize(out.output.data as Float32Array);
    const ms = performance.now() - t0;
    cache.set(key, low);
    if (file) {
      mkdirSync(options.cacheDir as string, { recursive: true });
      writeFileSync(file, new Uint8Array(low.buffer, low.byteOffset, low.byteLength));
    }
    return { low, ms };
  };

  const scenes: ModelSceneResult[] = [];
  for (const kind of kinds) {
    const s = SCENE_KINDS.indexOf(kind); // a scene's seed does not depend on which others run
    const t0 = performance.now();
    const scene = makeKindScene(kind, w, h, seed * 1000 + s);
    const { low, ms } = await infer(
      `${kind}-${w}x${h}-${seed * 1000 + s}-${basename(modelFile)}`,
      scene.composite,
      w,
      h,
    );
    log(`${kind}: scene ${(performance.now() - t0 - ms).toFixed(0)} ms, inference ${ms.toFixed(0)} ms`);
    const band = edgeBand(scene.alpha, w, h, 8);
    const gradTrue = gradientMagnitude(scene.alpha, w, h);
    const bg2 = blurRgba(proceduralBackground(w, h, seed * 1000 + s + 99), w, h, 1, 1);
    const ideal = downsampleAlphaArea(scene.alpha, w, h, MODEL_SIZE, MODEL_SIZE);
    const res = { model: {}, ideal: {} } as Pick<ModelSceneResult, 'model' | 'ideal'>;
    for (const [which, l] of [
      ['model', low],
      ['ideal', ideal],
    ] as const) {
      for (const m of METHODS) {
        const r = refineWith(m, l, scene.composite, w, h);
        res[which][m] = bandErrors(scene, band, gradTrue, r.alpha, r.fg, bg2);
      }
    }
    const e = res.model;
    log(
      `  grad ${e.plain.grad.toFixed(0)} / ${e.guided.grad.toFixed(0)} / ${e.matting.grad.toFixed(0)}, ` +
        `recomposite ${e.plain.recomposite.toFixed(1)} / ${e.guided.recomposite.toFixed(1)} / ${e.matting.recomposite.toFixed(1)}, ` +
        `SAD whole ${e.plain.sadWhole.toFixed(2)} / ${e.guided.sadWhole.toFixed(2)} / ${e.matting.sadWhole.toFixed(2)} (plain / guided / matting)`,
    );
    scenes.push({ kind, hard: HARD_KINDS.includes(kind), ...res, inferenceMs: ms });
  }
  const tot = (sel: (r: ModelSceneResult) => boolean, which: 'model' | 'ideal') =>
    Object.fromEntries(
      METHODS.map((m) => [m, sumBand(scenes.filter(sel).map((r) => r[which][m]))]),
    ) as Record<Method, BandErrors>;
  const totals = {
    model: tot(() => true, 'model'),
    ideal: tot(() => true, 'ideal'),
    hard: tot((r) => r.hard, 'model'),
  };
  const gradientChangePct = pct(totals.model.matting.grad, totals.model.plain.grad);
  const recompositeChangePct = pct(totals.model.matting.recomposite, totals.model.plain.recomposite);

  let timing: ModelBenchResult['timing'] = null;
  const runs = options.timingRuns ?? 3;
  if (runs > 0) {
    const tw = options.timingWidth ?? 4000,
      th = options.timingHeight ?? 3000;
    const scene = makeKindScene('hair-defocused', tw, th, seed * 1000);
    const { low } = await infer(
      `hair-defocused-${tw}x${th}-${seed * 1000}-${basename(modelFile)}`,
      scene.composite,
      tw,
      th,
    );
    const rgba = scene.composite;
    const parts: { total: number; matting: number; fg: number; cpu: number; guided: number }[] = [];
    for (let i = 0; i <= runs; i++) {
      // interleaved: today's guided path, then the new one
      let t0 = performance.now();
      estimateForeground(rgba, upsampleAlphaGuided(low, MODEL_SIZE, MODEL_SIZE, rgba, tw, th), tw, th);
      const guided = performance.now() - t0;
      const c0 = process.cpuUsage();
      t0 = performance.now();
      const a = refineAlpha(low, MODEL_SIZE, MODEL_SIZE, rgba, tw, th);
      const t1 = performance.now();
      estimateForeground(rgba, a, tw, th);
      const t2 = performance.now();
      const c = process.cpuUsage(c0);
      if (i > 0)
        parts.push({
          total: t2 - t0,
          matting: t1 - t0,
          fg: t2 - t1,
          cpu: (c.user + c.system) / 1000,
          guided,
        });
      log(
        `  12 MP run ${i}${i === 0 ? ' (cold)' : ''}: ${(t2 - t0).toFixed(0)} ms (guided path ${guided.toFixed(0)} ms)`,
      );
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const byTotal = [...parts].sort((a, b) => a.total - b.total)[Math.floor(parts.length / 2)];
    timing = {
      width: tw,
      height: th,
      medianMs: byTotal.total,
      runsMs: parts.map((p) => p.total),
      cpuMedianMs: med(parts.map((p) => p.cpu)),
      mattingMs: byTotal.matting,
      foregroundMs: byTotal.fg,
      guidedMedianMs: med(parts.map((p) => p.guided)),
      loadAverage: loadavg()[0],
      cores: cpus().length,
    };
  }
  const line =
    `edges (model in the loop): gradient ${signed(gradientChangePct)} , re-composite ${signed(recompositeChangePct)} ` +
    `vs plain pipeline, ${timing ? timing.cpuMedianMs.toFixed(0) : '?'} ms at 12 MP`;
  return {
    width: w,
    height: h,
    modelFile: basename(modelFile),
    scenes,
    totals,
    gradientChangePct,
    recompositeChangePct,
    timing,
    line,
  };
}

export function formatModelTable(r: ModelBenchResult): string {
  const rows: string[] = [];
  const f = (v: number, d = 2) => v.toFixed(d).padStart(11);
  const head = `${'method'.padEnd(10)}${'SAD'.padStart(11)}${'MSE×1e3'.padStart(11)}${'Grad'.padStart(11)}${'Recomp'.padStart(11)}${'SAD whole'.padStart(11)}`;
  const block = (title: string, t: Record<Method, BandErrors>) => {
    rows.push(title);
    rows.push(head);
    for (const m of METHODS) {
      const e = t[m];
      rows.push(
        `${m.padEnd(10)}${f(e.sad)}${f(e.mse * 1e3, 3)}${f(e.grad)}${f(e.recomposite)}${f(e.sadWhole)}`,
      );
    }
    rows.push('');
  };
  rows.push(
    `Edge band = within 8 px of a true soft or 0/1 boundary pixel. SAD Σ|Δα|/1000; Grad Σ(Δ|∇α|)², σ = 1.4; ` +
      `Recomp: MSE (8-bit levels²) of the cut-out re-composited on another background vs the truth. ` +
      `${r.scenes.length} scenes at ${r.width}×${r.height}, model ${r.modelFile}.`,
  );
  block('With the model in the loop, all scenes:', r.totals.model);
  block(`Hard-edged scenes only (${HARD_KINDS.join(', ')}):`, r.totals.hard);
  block('Idealised (true alpha area-averaged to 1024² as the model output), all scenes:', r.totals.ideal);
  rows.push('Per scene, model in the loop (plain / guided / matting):');
  for (const s of r.scenes) {
    const e = s.model;
    const tri = (k: keyof BandErrors, d = 1) => METHODS.map((m) => e[m][k].toFixed(d)).join(' / ');
    rows.push(
      `  ${s.kind.padEnd(15)} grad ${tri('grad', 0)}; recomp ${tri('recomposite')}; SAD band ${tri('sad', 2)}; SAD whole ${tri('sadWhole', 2)}`,
    );
  }
  const t = r.timing;
  if (t)
    rows.push(
      `\nWhole refinement (matting + foreground) at ${t.width}×${t.height}, Node, single thread, ${t.runsMs.length} warm runs: ` +
        `wall median ${t.medianMs.toFixed(0)} ms (matting ${t.mattingMs.toFixed(0)} + foreground ${t.foregroundMs.toFixed(0)}), ` +
        `runs ${t.runsMs.map((v) => v.toFixed(0)).join('/')}, CPU median ${t.cpuMedianMs.toFixed(0)} ms; ` +
        `today's guided path ${t.guidedMedianMs.toFixed(0)} ms; load average ${t.loadAverage.toFixed(1)} on ${t.cores} cores`,
    );
  return rows.join('\n');
}

function parseArgs(argv: string[]): EdgesBenchOptions & { json?: boolean } {
  const o: EdgesBenchOptions & { json?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--scenes') o.scenes = Number(argv[++i]);
    else if (a === '--width') o.width = Number(argv[++i]);
    else if (a === '--height') o.height = Number(argv[++i]);
    else if (a === '--seed') o.seed = Number(argv[++i]);
    else if (a === '--runs') o.timingRuns = Number(argv[++i]);
    else if (a === '--procedural') o.proceduralOnly = true;
    else if (a === '--json') o.json = true;
  }
  return o;
}

const isMain =
  typeof process !== 'undefined' &&
  !!process.argv[1] &&
  /edges\.(ts|js|mjs)$/.test(process.argv[1]) &&
  import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const argv = process.argv.slice(2);
  if (argv.includes('--legacy')) {
    // The idealised bench only (true alpha as the model output, 3 scenes at 12 MP).
    const opts = parseArgs(argv);
    const r = runEdgesBench({ ...opts, log: (l) => console.error(l) });
    console.log(formatTable(r));
    console.log(r.line);
  } else {
    const o: ModelBenchOptions = {};
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i],
        v = argv[i + 1];
      if (a === '--width') {
        o.width = Number(v);
        i++;
      } else if (a === '--height') {
        o.height = Number(v);
        i++;
      } else if (a === '--seed') {
        o.seed = Number(v);
        i++;
      } else if (a === '--runs') {
        o.timingRuns = Number(v);
        i++;
      } else if (a === '--kinds') {
        o.kinds = v.split(',') as SceneKind[];
        i++;
      } else if (a === '--cache') {
        o.cacheDir = v;
        i++;
      } else if (a === '--model') {
        o.modelPath = v;
        i++;
      }
    }
    const r = await runModelEdgesBench({ ...o, log: (l) => console.error(l) });
    console.log(formatModelTable(r));
    if (argv.includes('--json'))
      console.log(JSON.stringify({ totals: r.totals, scenes: r.scenes, timing: r.timing }));
    console.log(r.line);
  }
}
