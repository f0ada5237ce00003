// Speed as a user meets it, against @imgly/background-removal 1.7.0 in the same run and the same
// Chromium: a first visit (open the URL, pick a 512² photo, until the result can be downloaded;
// fresh profile each time) and every later photo (pick → result shown with Download enabled,
// median of 3 different photos), plus the app's first-visit timeline from its performance marks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { CHROMIUM_PATH } from '../chromium.mjs';
import { median } from './engine';

interface Photo {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** A page under test: where it lives and how to tell that a picked photo's result is ready. */
interface Target {
  label: string;
  url: string;
  /**
   * Runs in the page with the picked file's name: performance.now() once that photo's result is
   * shown and can be downloaded, else false.
   */
  shown: (name: string) => number | false;
}

export interface TimelineMark {
  name: string;
  /** ms from navigation start; undefined when the app does not set this mark. */
  at?: number;
}

export interface SpeedResult {
  coldPhoto: string;
  warmPhotos: string[];
  /** Navigation start → result downloadable, ms, one per fresh-profile visit. */
  cold: { app: number[]; imglyMedium: number[]; imglySmall: number[] };
  /** Each first visit split where the model is ready (app: jj:session; peer: preload), CPU per thread. */
  coldPhases: { app: ColdPhase[][]; imglyMedium: ColdPhase[][] };
  /** CPU seconds the whole browser used from its start to that result. */
  coldCpuS: { app: number[]; imglyMedium: number[]; imglySmall: number[] };
  /** Pick → result downloadable, ms, one per photo, after the model is loaded. */
  warm: { app: number[]; imglySmall: number[]; imglyMedium: number[] };
  /** CPU seconds the whole browser used from each pick to its result. */
  warmCpuS: { app: number[]; imglySmall: number[]; imglyMedium: number[] };
  /** CPU seconds each browser used while idle, during the rival's warm picks. */
  idleCpuS: { app: number[]; imglySmall: number[] };
  /** The app's engine timings for each warm photo, and its own pick→shown measure when present. */
  appWarmDetail: {
    name: string;
    pickToShownMs: number;
    inferenceMs?: number;
    inAppPickToShownMs?: number;
    /** The browser threads that used the most CPU during the pick, seconds. */
    threads?: [string, number][];
  }[];
  medians: {
    coldApp: number;
    coldImglyMedium: number;
    warmApp: number;
    warmImglySmall: number;
    warmImglyMedium: number;
  };
  ratios: { cold: number; warm: number; warmMedium: number; inAppWarm?: number };
  /** WASM threads: the app's engine details, and navigator.hardwareConcurrency (what imgly uses). */
  threads: { app?: number; cores: number };
  appVariant?: string;
  timeline: TimelineMark[];
  loadavg: { before: number[]; after: number[] };
  lines: string[];
}

/** The app's first-visit marks, in the order the timeline prints them. */
const MARKS: [string, string][] = [
  ['jj:worker-up', 'worker up'],
  ['jj:wasm-ready', 'wasm ready'],
  ['jj:model-bytes', 'model bytes'],
  ['jj:verified', 'verified'],
  ['jj:session', 'session'],
  ['jj:first-result', 'first result'],
  ['jj:model-stored', 'model stored'],
];

const PICKS = '__jjBenchPicks';

/** Before any page script: record when each file input fires `change` (the user's pick). */
const INIT_SCRIPT = `globalThis.__name = (f) => f;
addEventListener('change', (e) => {
  const t = e.target;
  if (t instanceof HTMLInputElement && t.type === 'file') (globalThis.${PICKS} ??= []).push(performance.now());
}, true);`;

function appTarget(url: string): Target {
  return {
    label: 'app',
    url,
    shown: (name) => {
      const title = document.querySelector('.result__name');
      const img = document.querySelector('[data-testid="result-image"]');
      const button = document.querySelector('[data-testid="download"]');
      return (
        title?.textContent === name &&
        img instanceof HTMLImageElement &&
        img.complete &&
        img.naturalWidth > 0 &&
        button instanceof HTMLButtonElement &&
        !button.disabled &&
        performance.now()
      );
    },
  };
}

function imglyTarget(url: string, model: 'isnet_fp16' | 'isnet_quint8'): Target {
  return {
    label: model === 'isnet_fp16' ? 'imgly-medium' : 'imgly-small',
    url: `${url}?model=${model}`,
    shown: (name) => {
      const figure = document.querySelector<HTMLElement>('[data-testid="result"]');
      const link = document.querySelector('[data-testid="download"]');
      const status = document.querySelector<HTMLElement>('[data-testid="status"]');
      if (status?.dataset.state === 'error') throw new Error(status.textContent ?? 'imgly failed');
      return (
        figure?.dataset.name === name && !!link && !link.hasAttribute('aria-disabled') && performance.now()
      );
    },
  };
}

/** 512² PNGs: the cold photo and three different ones for the warm picks. */
async function makePhotos(root: string): Promise<{ cold: Photo; warm: Photo[] }> {
  const { default: sharp } = await import('sharp');
  const dir = path.join(root, 'test/fixtures/photos');
  const png = (name: string, buffer: Buffer): Photo => ({ name, mimeType: 'image/png', buffer });
  const square = (file: string, flop = false) =>
    sharp(path.join(dir, file)).resize(512, 512, { fit: 'cover' }).flop(flop).png().toBuffer();
  return {
    cold: png('astronaut.png', fs.readFileSync(path.join(dir, 'astronaut.png'))),
    warm: [
      png('warm-1-chelsea.png', await square('chelsea.png')),
      png('warm-2-coffee.png', await square('coffee.png')),
      png('warm-3-astronaut-mirrored.png', await square('astronaut.png', true)),
    ],
  };
}

/** CPU seconds (user + system) used so far by every process whose command line names `profile`. */
function cpuSeconds(profile: string): number {
  let ticks = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(profile)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    } catch {
      // The process ended, or there is no /proc: CPU time is then reported as 0.
    }
  }
  return ticks / 100; // USER_HZ
}

/**
 * CPU seconds so far per thread kind of the browser whose command line names `profile`, keyed
 * `<process type>/<thread name>` (e.g. `renderer/DedicatedWorker`, `gpu-process/VizCompositorTh`):
 * shows who competes with the inference threads for the cores (docs/speed.md).
 */
function threadCpuSeconds(profile: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      if (!cmd.includes(profile)) continue;
      const type = /--type=([a-z-]+)/.exec(cmd)?.[1] ?? 'browser';
      for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const key = `${type}/${name}`;
        out.set(key, (out.get(key) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100);
      }
    } catch {
      // The process or thread ended meanwhile.
    }
  }
  return out;
}

/** The `n` threads that used the most CPU between two readings, seconds, largest first. */
function topThreads(before: Map<string, number>, after: Map<string, number>, n = 4): [string, number][] {
  return [...after]
    .map(([k, v]): [string, number] => [k, v - (before.get(k) ?? 0)])
    .sort((x, y) => y[1] - x[1])
    .slice(0, n);
}

/** Per-thread CPU readings of one browser every `everyMs`, stamped with the wall clock (epoch ms). */
class ThreadSampler {
  private readonly readings: { at: number; cpu: Map<string, number> }[] = [];
  private readonly timer: NodeJS.Timeout;
  constructor(
    private readonly profile: string,
    everyMs = 500,
  ) {
    this.take();
    this.timer = setInterval(() => this.take(), everyMs);
  }

  private take(): void {
    this.readings.push({ at: Date.now(), cpu: threadCpuSeconds(this.profile) });
  }

  stop(): void {
    clearInterval(this.timer);
    this.take();
  }

  /** The threads' CPU seconds between the readings nearest to epoch ms `from` and `to`. */
  between(from: number, to: number, n = 5): [string, number][] {
    const near = (t: number) =>
      this.readings.reduce((a, b) => (Math.abs(b.at - t) < Math.abs(a.at - t) ? b : a));
    return topThreads(near(from).cpu, near(to).cpu, n);
  }
}

/** A stretch of a first visit, ms from navigation start, and what each thread used in it. */
export interface ColdPhase {
  label: string;
  from: number;
  to: number;
  threads: [string, number][];
}

class Session {
  private constructor(
    readonly target: Target,
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly profile: string,
  ) {}

  /** A new browser with an empty on-disk profile (off-the-record contexts refuse IndexedDB storage). */
  static async open(target: Target, args: string[]): Promise<Session> {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'jingjie-bench-speed-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      args,
      locale: 'en-US',
      viewport: { width: 1360, height: 900 },
    });
    await context.addInitScript(INIT_SCRIPT);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => console.log(`  [${target.label} pageerror] ${e.message}`));
    page.on('crash', () => console.log(`  [${target.label}] the page crashed`));
    return new Session(target, context, page, profile);
  }

  /** CPU seconds this browser (all its processes) has used so far. */
  cpu(): number {
    return cpuSeconds(this.profile);
  }

  /**
   * Pick `photo` with the page's file input: ms from the pick to its result, when it showed (ms
   * from navigation start) and the CPU seconds the browser used meanwhile.
   */
  async pick(
    photo: Photo,
  ): Promise<{ pickToShownMs: number; shownAt: number; cpuS: number; threads: [string, number][] }> {
    const cpu0 = this.cpu();
    const threads0 = threadCpuSeconds(this.profile);
    const input = this.page.locator('input[data-testid="file-input"]');
    await input.waitFor({ state: 'attached', timeout: 120_000 });
    const n = await this.page.evaluate(
      (key) => ((globalThis as Record<string, unknown>)[key] as number[] | undefined)?.length ?? 0,
      PICKS,
    );
    await input.setInputFiles(photo);
    const shownAt = (await (
      await this.page.waitForFunction(this.target.shown, photo.name, { polling: 'raf', timeout: 900_000 })
    ).jsonValue()) as number;
    const pickAt = await this.page.evaluate(
      ({ key, n }) => ((globalThis as Record<string, unknown>)[key] as number[])[n],
      { key: PICKS, n },
    );
    return {
      pickToShownMs: shownAt - pickAt,
      shownAt,
      cpuS: this.cpu() - cpu0,
      threads: topThreads(threads0, threadCpuSeconds(this.profile)),
    };
  }

  /**
   * First visit: open the URL, pick as soon as the file input exists. ms from navigation start
   * to the result, and the CPU seconds the browser used from its start.
   */
  async firstVisit(photo: Photo): Promise<{ ms: number; cpuS: number; phases: ColdPhase[] }> {
    const sampler = new ThreadSampler(this.profile);
    try {
      await this.page.goto(this.target.url);
      const r = await this.pick(photo);
      sampler.stop();
      // Split at the moment the model is ready to run: the app's session mark, the peer's preload.
      const { origin, ready } = await this.page.evaluate(() => ({
        origin: performance.timeOrigin,
        ready:
          performance.getEntriesByName('jj:session')[0]?.startTime ??
          performance.getEntriesByName('peer:ready')[0]?.startTime,
      }));
      const phase = (label: string, from: number, to: number): ColdPhase => ({
        label,
        from,
        to,
        threads: sampler.between(origin + from, origin + to),
      });
      const phases =
        ready === undefined
          ? [phase('whole visit', 0, r.shownAt)]
          : [phase('start-up', 0, ready), phase('first inference', ready, r.shownAt)];
      return { ms: r.shownAt, cpuS: this.cpu(), phases };
    } finally {
      sampler.stop();
    }
  }

  async close(): Promise<void> {
    await this.context.close();
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}

async function readTimeline(page: Page): Promise<TimelineMark[]> {
  const marks = await page.evaluate(() =>
    performance
      .getEntriesByType('mark')
      .filter((m) => m.name.startsWith('jj:'))
      .map((m) => ({ name: m.name, at: m.startTime })),
  );
  return MARKS.map(([name]) => ({ name, at: marks.find((m) => m.name === name)?.at }));
}

/** The app's engine timings and its own pick→shown measure for the task named `name`. */
async function appTaskDetail(page: Page, name: string) {
  return page.evaluate((name) => {
    type Snap = {
      tasks: { id: string; name: string; result?: { variant: string; timings: { inference: number } } }[];
    };
    const q = (window as unknown as { jingjie?: { queue?: { snapshot(): Snap } } }).jingjie?.queue;
    const task = q?.snapshot().tasks.find((t) => t.name === name);
    const measure = performance
      .getEntriesByName('jj:pick-to-shown', 'measure')
      .find((m) => ((m as PerformanceMeasure).detail as { taskId?: string } | null)?.taskId === task?.id);
    const detail = (measure as PerformanceMeasure | undefined)?.detail as
      { inferenceMs?: number } | undefined;
    return {
      variant: task?.result?.variant,
      inferenceMs: detail?.inferenceMs ?? task?.result?.timings.inference,
      inAppPickToShownMs: measure?.duration,
    };
  }, name);
}

const s = (ms: number) => (ms / 1000).toFixed(2);
const r2 = (x: number) => x.toFixed(2);

/**
 * Cold runs alternate app / imgly-medium (each in a fresh profile; BENCH_COLD_RUNS, default 1),
 * then imgly-small's first visit; the warm picks alternate app / imgly-small / imgly-medium (the
 * first imgly-medium visit kept open), photo by photo.
 */
export async function runSpeedBench(opts: {
  root: string;
  appUrl: string;
  imglyUrl: string;
  args: string[];
  coldRuns?: number;
  /** Only the first visits of the app and imgly-medium (the warm figures are then empty). */
  coldOnly?: boolean;
  log?: (line: string) => void;
}): Promise<SpeedResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const photos = await makePhotos(opts.root);
  const app = appTarget(opts.appUrl);
  const medium = imglyTarget(opts.imglyUrl, 'isnet_fp16');
  const small = imglyTarget(opts.imglyUrl, 'isnet_quint8');
  const loadBefore = os.loadavg();
  const cold = { app: [] as number[], imglyMedium: [] as number[], imglySmall: [] as number[] };
  const coldCpuS = { app: [] as number[], imglyMedium: [] as number[], imglySmall: [] as number[] };
  const coldPhases: SpeedResult['coldPhases'] = { app: [], imglyMedium: [] };
  const phaseLines = (label: string, phases: ColdPhase[]) =>
    phases
      .map(
        (p) =>
          `    ${label} ${p.label} ${s(p.from)}–${s(p.to)} s, CPU by thread: ${p.threads
            .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
            .join(', ')}`,
      )
      .join('\n');
  const open: Session[] = [];
  try {
    let appSession: Session | undefined;
    let mediumSession: Session | undefined;
    let timeline: TimelineMark[] = [];
    /** One first visit of `target` in a fresh profile, recorded under `key`; the session stays open. */
    const coldVisit = async (target: Target, key: 'app' | 'imglyMedium', i: number): Promise<Session> => {
      const x = await Session.open(target, opts.args);
      open.push(x);
      const r = await x.firstVisit(photos.cold);
      cold[key].push(r.ms);
      coldCpuS[key].push(r.cpuS);
      coldPhases[key].push(r.phases);
      log(`  cold ${i + 1}: ${target.label} ${s(r.ms)} s (browser CPU ${r.cpuS.toFixed(1)} s)`);
      log(phaseLines(target.label, r.phases));
      return x;
    };
    for (let i = 0; i < Math.max(1, opts.coldRuns ?? 1); i++) {
      // The first visit of each is kept for the warm picks: its model is loaded now.
      const a = await coldVisit(app, 'app', i);
      if (!appSession) {
        appSession = a;
        timeline = await readTimeline(a.page);
      } else await a.close();
      const m = await coldVisit(medium, 'imglyMedium', i);
      if (!mediumSession) mediumSession = m;
      else await m.close();
    }
    if (!appSession || !mediumSession) throw new Error('speed bench: no app or imgly-medium session');
    // Diagnosis of the first visit alone (BENCH_SPEED_COLD_ONLY=1): no imgly-small, no warm picks.
    if (opts.coldOnly) photos.warm = [];
    const imglySmall = await Session.open(small, opts.args);
    open.push(imglySmall);
    if (!opts.coldOnly) {
      const rs = await imglySmall.firstVisit(photos.cold);
      cold.imglySmall.push(rs.ms);
      coldCpuS.imglySmall.push(rs.cpuS);
      log(`  cold: imgly-small ${s(rs.ms)} s (browser CPU ${rs.cpuS.toFixed(1)} s)`);
    }

    // Alternate photo by photo; the idle rival's CPU use during each pick is recorded too.
    const warm = { app: [] as number[], imglySmall: [] as number[], imglyMedium: [] as number[] };
    const warmCpuS = { app: [] as number[], imglySmall: [] as number[], imglyMedium: [] as number[] };
    const idleCpuS = { app: [] as number[], imglySmall: [] as number[] };
    const appWarmDetail: SpeedResult['appWarmDetail'] = [];
    let appVariant: string | undefined;
    for (const photo of photos.warm) {
      let idle = imglySmall.cpu();
      const a = await appSession.pick(photo);
      const imglyIdleCpuS = imglySmall.cpu() - idle;
      const d = await appTaskDetail(appSession.page, photo.name);
      appVariant ??= d.variant;
      warm.app.push(a.pickToShownMs);
      warmCpuS.app.push(a.cpuS);
      appWarmDetail.push({
        name: photo.name,
        pickToShownMs: a.pickToShownMs,
        inferenceMs: d.inferenceMs,
        inAppPickToShownMs: d.inAppPickToShownMs,
        threads: a.threads,
      });
      idle = appSession.cpu();
      const b = await imglySmall.pick(photo);
      const appIdleCpuS = appSession.cpu() - idle;
      idleCpuS.app.push(appIdleCpuS);
      idleCpuS.imglySmall.push(imglyIdleCpuS);
      warm.imglySmall.push(b.pickToShownMs);
      warmCpuS.imglySmall.push(b.cpuS);
      // imgly on the app's default weights (fp16), the same photo.
      const c = await mediumSession.pick(photo);
      warm.imglyMedium.push(c.pickToShownMs);
      warmCpuS.imglyMedium.push(c.cpuS);
      log(`  warm ${photo.name}: imgly-medium ${s(c.pickToShownMs)} s (CPU ${c.cpuS.toFixed(1)} s)`);
      log(
        `  warm ${photo.name}: app ${s(a.pickToShownMs)} s (CPU ${a.cpuS.toFixed(1)} s, inference ${
          d.inferenceMs === undefined ? '?' : s(d.inferenceMs)
        } s), imgly-small ${s(b.pickToShownMs)} s (CPU ${b.cpuS.toFixed(1)} s); idle rival CPU: app ${appIdleCpuS.toFixed(1)} s, imgly ${imglyIdleCpuS.toFixed(1)} s\n    app CPU by thread: ${a.threads
          .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
          .join(', ')}`,
      );
    }

    // The first visit's later marks (the model stored) land after its result: read them again.
    await appSession.page
      .waitForFunction(() => performance.getEntriesByName('jj:model-stored').length > 0, undefined, {
        timeout: 120_000,
      })
      .catch(() => undefined);
    timeline = await readTimeline(appSession.page);
    const threads = {
      app: await appSession.page
        .getByTestId('engine-threads')
        .textContent({ timeout: 5_000 })
        .then(Number)
        .catch(() => undefined),
      cores: await appSession.page.evaluate(() => navigator.hardwareConcurrency),
    };
    const medians = {
      coldApp: median(cold.app),
      coldImglyMedium: median(cold.imglyMedium),
      warmApp: median(warm.app),
      warmImglySmall: median(warm.imglySmall),
      warmImglyMedium: median(warm.imglyMedium),
    };
    // In-app ratio: the app's own pick→shown measure where it sets one, else the bench's.
    const perImage = appWarmDetail
      .filter((d) => d.inferenceMs)
      .map((d) => (d.inAppPickToShownMs ?? d.pickToShownMs) / (d.inferenceMs ?? 1));
    const ratios = {
      cold: medians.coldApp / medians.coldImglyMedium,
      warm: medians.warmApp / medians.warmImglySmall,
      warmMedium: medians.warmApp / medians.warmImglyMedium,
      inAppWarm: perImage.length ? median(perImage) : undefined,
    };
    const fromApp = appWarmDetail.some((d) => d.inAppPickToShownMs !== undefined);
    const lines = [
      `first visit (app, ms from navigation start): navigation 0 → ${timeline
        .map((m, i) => `${MARKS[i][1]} ${m.at === undefined ? '—' : Math.round(m.at)}`)
        .join(' → ')} (bench: result downloadable ${Math.round(cold.app[0])})`,
      `warm in-app pick→shown / inference per image: ${
        perImage.length ? perImage.map(r2).join(', ') : '—'
      } (median ${ratios.inAppWarm === undefined ? '—' : r2(ratios.inAppWarm)}, target ≤ 1.15; pick→shown ${
        fromApp ? "from the app's jj:pick-to-shown" : 'as the bench sees it'
      })`,
      `warm: app ${s(medians.warmApp)} s, imgly-small ${s(medians.warmImglySmall)} s, ratio ${r2(ratios.warm)}`,
      `warm vs imgly-medium: app ${s(medians.warmApp)} s, imgly-medium ${s(medians.warmImglyMedium)} s, ratio ${r2(ratios.warmMedium)}`,
      `threads: app ${threads.app ?? '?'}, imgly ${threads.cores} (navigator.hardwareConcurrency ${threads.cores})`,
      `cold: app ${s(medians.coldApp)} s, imgly-medium ${s(medians.coldImglyMedium)} s, ratio ${r2(ratios.cold)}`,
    ];
    return {
      coldPhoto: photos.cold.name,
      warmPhotos: photos.warm.map((p) => p.name),
      cold,
      coldPhases,
      coldCpuS,
      warm,
      warmCpuS,
      idleCpuS,
      appWarmDetail,
      medians,
      ratios,
      threads,
      appVariant,
      timeline,
      loadavg: { before: loadBefore, after: os.loadavg() },
      lines,
    };
  } finally {
    for (const x of open) await x.close().catch(() => undefined);
  }
}
