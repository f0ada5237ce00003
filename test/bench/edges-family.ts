// Edges bench on the scene family (test/bench/family.ts), the real model in the loop: per-scene
// band SAD, gradient and re-composite of each refinement, medians vs plain, the held-out line.
//
//   npx tsx test/bench/edges-family.ts [--set tuning|held-out] [--seeds 1,2] [--cache DIR]
//        [--methods plain,matting+fg] [--timing] [--shots DIR --shot-seeds N,M] [--json]

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import {
  CUTOUT_MATTING,
  cutoutAlpha,
  estimateForeground,
  refineAlpha,
  upsampleAlphaGuided,
  type ForegroundOptions,
  type MattingOptions,
} from '../../workers/refine/index';
import { MODEL_SIZE, preprocess } from '../../workers/pipeline/preprocess';
import { minMaxNormalize, upsampleMask } from '../../workers/pipeline/postprocess';
import { bandErrors, type BandErrors, defaultWasmModel, edgeBand } from './edges';
import { gradientMagnitude } from '../support/edge-metrics';
import {
  describeParams,
  familyParams,
  familyScene,
  HELD_OUT_SEEDS,
  type FamilyParams,
  TUNING_SEEDS,
} from './family';
import { blurRgba, proceduralBackground, type Scene } from '../support/scenes';

/**
 * plain: bilinear alpha, the photo's colours (the unrefined pipeline). plain+fg: same alpha,
 * foreground estimated. guided: guided filter + foreground. matting: the matting alpha with
 * the photo's colours. matting+fg: matting + foreground estimation (what the app ships).
 * recover+fg: matting with the cut-out's strand recovery (`CUTOUT_MATTING`) + foreground
 * estimation, on every photo.
 * shipped: what the app and the CLI run (`cutoutAlpha`): recover+fg on photos larger than the
 * model's grid, plain+fg on the others, the alpha feathered on all (`CUTOUT_FEATHER`).
 */
export const FAMILY_METHODS = [
  'plain',
  'plain+fg',
  'guided',
  'matting',
  'matting+fg',
  'recover+fg',
  'shipped',
] as const;
export type FamilyMethod = (typeof FAMILY_METHODS)[number];
/** The method the summary line reports (the shipped pipeline). */
export const SHIPPED: FamilyMethod = 'shipped';

export interface FamilySceneResult {
  seed: number;
  params: FamilyParams;
  hard: boolean;
  errors: Partial<Record<FamilyMethod, BandErrors>>;
}

interface Tuning {
  matting?: MattingOptions;
  foreground?: ForegroundOptions;
}

export function refineFamily(
  method: FamilyMethod,
  low: Float32Array,
  rgba: Uint8ClampedArray,
  w: number,
  h: number,
  t: Tuning = {},
): { alpha: Uint8ClampedArray; fg: Uint8ClampedArray } {
  const L = MODEL_SIZE;
  if (method === 'plain') return { alpha: upsampleMask(low, L, L, w, h), fg: rgba };
  if (method === 'shipped') {
    const r = cutoutAlpha(low, L, L, rgba, w, h);
    return { alpha: r.alpha, fg: r.foreground ?? rgba };
  }
  if (method === 'plain+fg') {
    const alpha = upsampleMask(low, L, L, w, h);
    return { alpha, fg: estimateForeground(rgba, alpha, w, h, t.foreground) };
  }
  if (method === 'guided') {
    const alpha = upsampleAlphaGuided(low, L, L, rgba, w, h);
    return { alpha, fg: estimateForeground(rgba, alpha, w, h, t.foreground) };
  }
  const alpha = refineAlpha(
    low,
    L,
    L,
    rgba,
    w,
    h,
    method === 'recover+fg' ? { ...CUTOUT_MATTING, ...t.matting } : t.matting,
  );
  return { alpha, fg: method === 'matting' ? rgba : estimateForeground(rgba, alpha, w, h, t.foreground) };
}

interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>;
  release(): Promise<void>;
}

export interface FamilyBenchOptions {
  seeds?: readonly number[];
  methods?: readonly FamilyMethod[];
  cacheDir?: string;
  tuning?: Tuning;
  log?: (line: string) => void;
  /** Write 100 % crops (PNG) of these seeds' busiest hair windows into shotsDir. */
  shotsDir?: string;
  shotSeeds?: readonly number[];
}

export async function runFamilyBench(o: FamilyBenchOptions = {}) {
  const seeds = o.seeds ?? HELD_OUT_SEEDS;
  const methods = o.methods ?? FAMILY_METHODS;
  const log = o.log ?? (() => {});
  const modelFile = defaultWasmModel();
  const ort = await import('onnxruntime-node');
  let session: OrtSession | null = null;
  const infer = async (key: string, scene: Scene) => {
    const file = o.cacheDir ? join(o.cacheDir, `${key}.f32`) : '';
    if (file && existsSync(file)) {
      const b = readFileSync(file);
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    }
    session ??= (await ort.InferenceSession.create(modelFile, {
      intraOpNumThreads: Math.max(1, cpus().length),
    })) as unknown as OrtSession;
    const input = preprocess(scene.composite, scene.width, scene.height, MODEL_SIZE);
    const out = await session.run({
      input: new ort.Tensor('float32', input, [1, 3, MODEL_SIZE, MODEL_SIZE]),
    });
    const low = minMaxNormalize(out.output.data as Float32Array);
    if (file) {
      mkdirSync(o.cacheDir as string, { recursive: true });
      writeFileSync(file, new Uint8Array(low.buffer, low.byteOffset, low.byteLength));
    }
    return low;
  };
  const results: FamilySceneResult[] = [];
  for (const seed of seeds) {
    const params = familyParams(seed);
    const { width: w, height: h } = params;
    const t0 = performance.now();
    const scene = cachedScene(params, o.cacheDir);
    const low = await infer(`family-${seed}-${w}x${h}-${basename(modelFile)}`, scene);
    const band = edgeBand(scene.alpha, w, h, 8);
    const gradTrue = gradientMagnitude(scene.alpha, w, h);
    const bg2 = blurRgba(proceduralBackground(w, h, seed + 99), w, h, 1, 1);
    const errors: FamilySceneResult['errors'] = {};
    const outs: Partial<Record<FamilyMethod, { alpha: Uint8ClampedArray; fg: Uint8ClampedArray }>> = {};
    for (const m of methods) {
      const r = refineFamily(m, low, scene.composite, w, h, o.tuning);
      errors[m] = bandErrors(scene, band, gradTrue, r.alpha, r.fg, bg2);
      if (o.shotsDir && o.shotSeeds?.includes(seed)) outs[m] = r;
    }
    if (o.shotsDir && o.shotSeeds?.includes(seed)) writeShots(o.shotsDir, scene, outs, seed);
    const res = { seed, params, hard: params.cls === 'hard-edged', errors };
    results.push(res);
    log(`${seed} ${params.cls} (${describeParams(params)}) ${(performance.now() - t0).toFixed(0)} ms`);
    log('   ' + sceneRow(res, methods));
  }
  await (session as OrtSession | null)?.release(); // its threads would run beside later timings
  return { seeds, methods, results, summary: summarise(results, methods), model: basename(modelFile) };
}

/** familyScene, kept in cacheDir between runs when given (development only). */
export function cachedScene(p: FamilyParams, dir?: string): Scene {
  const file = dir ? join(dir, `scene-${p.seed}-${p.width}x${p.height}.bin`) : '';
  const n = p.width * p.height;
  if (file && existsSync(file)) {
    const b = readFileSync(file);
    const u8 = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    const alpha = new Float32Array(u8.slice(0, n * 4).buffer);
    const part = (k: number) => new Uint8ClampedArray(u8.slice(n * 4 * k, n * 4 * (k + 1)));
    return {
      width: p.width,
      height: p.height,
      alpha,
      fg: part(1),
      bg: part(2),
      composite: part(3),
      hairCount: 0,
    };
  }
  const s = familyScene(p);
  if (file) {
    mkdirSync(dir as string, { recursive: true });
    const all = new Uint8Array(n * 16);
    all.set(new Uint8Array(s.alpha.buffer, s.alpha.byteOffset, n * 4), 0);
    all.set(s.fg, n * 4);
    all.set(s.bg, n * 8);
    all.set(s.composite, n * 12);
    writeFileSync(file, all);
  }
  return s;
}

export function sceneRow(r: FamilySceneResult, methods: readonly FamilyMethod[]): string {
  const e = r.errors;
  const tri = (k: keyof BandErrors, d: number) => methods.map((m) => e[m]?.[k].toFixed(d)).join(' / ');
  return `grad ${tri('grad', 1)}; recomp ${tri('recomposite', 1)}; SAD band ${tri('sad', 2)}; SAD whole ${tri('sadWhole', 2)}`;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

export function summarise(results: FamilySceneResult[], methods: readonly FamilyMethod[]) {
  const out: Record<
    string,
    {
      grad: number;
      recomp: number;
      sadBand: number;
      worstSadWhole: number;
      worstSeed: number;
      hardWorse: number[];
    }
  > = {};
  for (const m of methods) {
    if (m === 'plain') continue;
    const ratio = (r: FamilySceneResult, k: keyof BandErrors) => {
      const a = r.errors[m]?.[k] ?? NaN,
        b = r.errors.plain?.[k] ?? NaN;
      return b > 0 ? a / b : a > 0 ? Infinity : 1;
    };
    const whole = results.map((r) => ratio(r, 'sadWhole'));
    const worst = Math.max(...whole);
    out[m] = {
      grad: median(results.map((r) => ratio(r, 'grad'))),
      recomp: median(results.map((r) => ratio(r, 'recomposite'))),
      sadBand: median(results.map((r) => ratio(r, 'sad'))),
      worstSadWhole: worst,
      worstSeed: results[whole.indexOf(worst)]?.seed ?? -1,
      // hard-edged scenes where any of band SAD, grad, re-composite, whole SAD is worse than plain
      hardWorse: results
        .filter(
          (r) => r.hard && (['sad', 'grad', 'recomposite', 'sadWhole'] as const).some((k) => ratio(r, k) > 1),
        )
        .map((r) => r.seed),
    };
  }
  return out;
}

export function formatFamily(
  r: Awaited<ReturnType<typeof runFamilyBench>>,
  setName: string,
  timingMs?: number,
): string {
  const rows: string[] = [];
  const m = r.methods;
  rows.push(`Per scene (${m.join(' / ')}), model ${r.model}, edge band = 8 px around the true edge:`);
  rows.push(
    `| seed | class | parameters | band SAD | gradient | re-composite | SAD whole |`,
    `|---:|---|---|---|---|---|---|`,
  );
  for (const s of r.results) {
    const e = s.errors;
    const col = (k: keyof BandErrors, d: number) => m.map((x) => e[x]?.[k].toFixed(d)).join(' / ');
    rows.push(
      `| ${s.seed} | ${s.params.cls} | ${describeParams(s.params)} | ${col('sad', 2)} | ${col('grad', 1)} | ${col('recomposite', 1)} | ${col('sadWhole', 2)} |`,
    );
  }
  rows.push('', `Median over scenes of each method / plain:`, '');
  rows.push(
    '| method | band SAD | gradient | re-composite | worst SAD whole (seed) | hard-edged scenes worse |',
  );
  rows.push('|---|---:|---:|---:|---:|---|');
  for (const [k, v] of Object.entries(r.summary))
    rows.push(
      `| ${k} | ${v.sadBand.toFixed(2)}× | ${v.grad.toFixed(2)}× | ${v.recomp.toFixed(2)}× | ${v.worstSadWhole.toFixed(2)}× (${v.worstSeed}) | ${v.hardWorse.length ? v.hardWorse.join(', ') : 'none'} |`,
    );
  for (const m of [SHIPPED, 'recover+fg'] as const) {
    const s = r.summary[m];
    if (s)
      rows.push(
        '',
        `edges (${setName}, model in the loop): gradient ${s.grad.toFixed(2)}×, re-composite ${s.recomp.toFixed(2)}× vs plain` +
          ` [${m}] (median of ${r.results.length} scenes; worst scene SAD whole ${s.worstSadWhole.toFixed(2)}×)` +
          (timingMs !== undefined && m === SHIPPED ? `, ${timingMs.toFixed(0)} ms at 12 MP` : ''),
      );
  }
  return rows.join('\n');
}

/**
 * Whole refinement of a family hair scene at 12 MP, warm-run medians: the shipped cut-out
 * (`cutoutAlpha`: matting with recovery + foreground) and, for comparison, matting without
 * recovery + foreground.
 */
export async function timeAt12MP(seed: number, runs = 3, log: (l: string) => void = () => {}) {
  const p = familyParams(seed, [4000, 3000]);
  const scene = familyScene(p);
  const ort = await import('onnxruntime-node');
  const session = (await ort.InferenceSession.create(defaultWasmModel(), {
    intraOpNumThreads: Math.max(1, cpus().length),
  })) as unknown as OrtSession;
  const input = preprocess(scene.composite, 4000, 3000, MODEL_SIZE);
  const out = await session.run({ input: new ort.Tensor('float32', input, [1, 3, MODEL_SIZE, MODEL_SIZE]) });
  const low = minMaxNormalize(out.output.data as Float32Array);
  // The session's thread pool is ended first: its threads' CPU would count in the timings.
  await session.release();
  // What ships (cutoutAlpha: matting with recovery, feathering, foreground), run 0 cold (first
  // photo of a fresh worker: JIT and heap growth), then `runs` warm runs.
  const wall: number[] = [],
    cpu: number[] = [];
  let cold = { wall: 0, cpu: 0 };
  for (let i = 0; i <= runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    cutoutAlpha(low, MODEL_SIZE, MODEL_SIZE, scene.composite, 4000, 3000);
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const ms = (c.user + c.system) / 1000;
    log(`12 MP run ${i}${i ? '' : ' (cold)'}: wall ${t.toFixed(0)} ms, CPU ${ms.toFixed(0)} ms`);
    if (i > 0) {
      wall.push(t);
      cpu.push(ms);
    } else cold = { wall: t, cpu: ms };
  }
  return {
    wallMedian: median(wall),
    cpuMedian: median(cpu),
    cold,
    wall,
    cpu,
    load: loadavg()[0],
  };
}

/** 100 % crops of the densest strand window: truth, and each method, re-composited on flat colours. */
function writeShots(
  dir: string,
  scene: Scene,
  outs: Partial<Record<FamilyMethod, { alpha: Uint8ClampedArray; fg: Uint8ClampedArray }>>,
  seed: number,
): void {
  mkdirSync(dir, { recursive: true });
  const { width: w, height: h } = scene;
  const S = 200;
  // window with the most partially transparent true pixels (coarse search on a 50-px grid)
  let best = -1,
    bx = 0,
    by = 0;
  for (let y = 0; y + S <= h; y += 50)
    for (let x = 0; x + S <= w; x += 50) {
      let n = 0;
      for (let yy = y; yy < y + S; yy += 2)
        for (let xx = x; xx < x + S; xx += 2) {
          const a = scene.alpha[yy * w + xx];
          if (a > 0.05 && a < 0.95) n++;
        }
      if (n > best) {
        best = n;
        bx = x;
        by = y;
      }
    }
  const backs: [string, number[]][] = [
    ['white', [255, 255, 255]],
    ['green', [40, 170, 60]],
  ];
  const panels: { name: string; alpha: ArrayLike<number>; fg: ArrayLike<number>; k: number }[] = [
    { name: 'photo', alpha: new Uint8Array(w * h).fill(255), fg: scene.composite, k: 1 / 255 },
    { name: 'truth', alpha: scene.alpha, fg: scene.fg, k: 1 },
    ...Object.entries(outs).map(([name, r]) => ({ name, alpha: r.alpha, fg: r.fg, k: 1 / 255 })),
  ];
  for (const [bn, col] of backs) {
    const Z = 2; // each pixel as 2×2 so a 100 % view survives the viewer's scaling
    const png = new PNG({ width: panels.length * (S * Z + 4), height: S * Z });
    png.data.fill(255);
    panels.forEach((pn, pi) => {
      for (let y = 0; y < S; y++)
        for (let x = 0; x < S; x++) {
          const i = (by + y) * w + bx + x;
          const a = pn.alpha[i] * pn.k;
          for (let zy = 0; zy < Z; zy++)
            for (let zx = 0; zx < Z; zx++) {
              const o = ((y * Z + zy) * png.width + pi * (S * Z + 4) + x * Z + zx) * 4;
              for (let c = 0; c < 3; c++) png.data[o + c] = a * pn.fg[i * 4 + c] + (1 - a) * col[c];
              png.data[o + 3] = 255;
            }
        }
    });
    writeFileSync(join(dir, `seed${seed}-${bn}.png`), PNG.sync.write(png));
  }
  writeFileSync(
    join(dir, `seed${seed}.txt`),
    `window ${bx},${by} ${S}×${S} (each pixel shown 2×2); panels: ${panels.map((p) => p.name).join(', ')}\n`,
  );
}

/** "seeds 1, 2, 3", or "24 seeds 102…240" for a long list: the summary line's set name for `--seeds`. */
export function seedsLabel(seeds: readonly number[]): string {
  return seeds.length <= 4
    ? `seeds ${seeds.join(', ')}`
    : `${seeds.length} seeds ${seeds[0]}…${seeds[seeds.length - 1]}`;
}

const isMain = !!process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const argv = process.argv.slice(2);
  const arg = (k: string) => {
    const i = argv.indexOf(k);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const set = arg('--set') ?? 'held-out';
  const seeds = arg('--seeds')?.split(',').map(Number) ?? (set === 'tuning' ? TUNING_SEEDS : HELD_OUT_SEEDS);
  // a summary of chosen seeds is not the held-out result: say which seeds it is over
  const label = arg('--seeds') ? seedsLabel(seeds) : set;
  const methods = (arg('--methods')?.split(',') as FamilyMethod[] | undefined) ?? FAMILY_METHODS;
  const tuning = arg('--opts') ? (JSON.parse(arg('--opts') as string) as Tuning) : undefined;
  const log = (l: string) => console.error(l);
  const r = await runFamilyBench({
    seeds,
    methods,
    cacheDir: arg('--cache'),
    tuning,
    log,
    shotsDir: arg('--shots'),
    shotSeeds: arg('--shot-seeds')?.split(',').map(Number),
  });
  let timingMs: number | undefined;
  if (argv.includes('--timing')) {
    const t = await timeAt12MP(1003, 5, log); // a hair-defocused held-out scene at 4000×3000
    log(
      `12 MP (shipped cutoutAlpha): CPU median ${t.cpuMedian.toFixed(0)} ms, wall median ` +
        `${t.wallMedian.toFixed(0)} ms of 5 warm runs; cold run CPU ${t.cold.cpu.toFixed(0)} ms, ` +
        `wall ${t.cold.wall.toFixed(0)} ms; load ${t.load.toFixed(1)}`,
    );
    timingMs = t.cpuMedian;
  }
  console.log(formatFamily(r, label, timingMs));
  if (argv.includes('--json')) console.log(JSON.stringify({ summary: r.summary, results: r.results }));
}
