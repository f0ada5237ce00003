// Where the shipped edge error could be removed: the shipped cut-out with the true alpha and
// foreground pasted into one region of the model's trimap at a time. A region whose oracle
// leaves a large error cannot be fixed by any refinement confined to it (docs/edges.md).
// A second table splits the shipped re-composite error between alpha and colour: the shipped
// alpha with the true foreground, the true alpha with the shipped foreground estimate run on it,
// the true alpha with the photo's own colours.
//
//   npx tsx test/bench/edges-oracle.ts [--set tuning|held-out] [--cache DIR]
// (--cache: the directory edges-family.ts --cache filled; scenes and model outputs are reused.)

import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cachedScene, refineFamily } from './edges-family';
import { familyParams, HELD_OUT_SEEDS, TUNING_SEEDS } from './family';
import { bandErrors, defaultWasmModel, edgeBand } from './edges';
import { gradientMagnitude } from '../support/edge-metrics';
import { blurRgba, proceduralBackground } from '../support/scenes';
import { MODEL_SIZE } from '../../workers/pipeline/preprocess';
import { estimateForeground } from '../../workers/refine/index';
import { axisTable } from '../../workers/pipeline/resize';
import { alphaToFloat, trimapFromLowRes } from '../../workers/refine/resample';

const argv = process.argv.slice(2);
const arg = (k: string) => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : undefined);
const seeds = arg('--set') === 'tuning' ? TUNING_SEEDS : HELD_OUT_SEEDS;
const cache = arg('--cache') ?? '';
const L = MODEL_SIZE;
const ORACLES = ['shipped', 'band', 'band+32px', 'all but sure fg'] as const;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Per photo pixel: the model trimap's state (0 sure bg, 1 sure fg, 2 unknown), nearest cell. */
function pixelStates(low: Float32Array, w: number, h: number): Uint8Array {
  const { state } = trimapFromLowRes(alphaToFloat(low), L, L, 5 / 255);
  const X = axisTable(L, w),
    Y = axisTable(L, h);
  const st = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) st[y * w + x] = state[Y.i0[y] * L + X.i0[x]];
  return st;
}

/** Pixels within r px (square) of a pixel whose state is not sure background (edgeBand's dilation). */
function nearSubject(st: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const seed = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) if (st[i] !== 0) seed[i] = 0.5; // soft: every one is a seed
  return edgeBand(seed, w, h, r);
}

/** Re-composite × plain of alpha and colour taken apart (the second table). */
const SPLITS = ['shipped α, true F', 'true α, estimated F', "true α, the photo's colours"] as const;
const splits = Object.fromEntries(SPLITS.map((k) => [k, [] as number[]]));
const splitRows: string[] = [];
const ratios = Object.fromEntries(ORACLES.map((o) => [o, { grad: [] as number[], recomp: [] as number[] }]));
console.log(`| seed | class | ${ORACLES.join(' | ')} |  (gradient / re-composite, × plain)`);
console.log(`|---:|---|${ORACLES.map(() => '---').join('|')}|`);
for (const seed of seeds) {
  const p = familyParams(seed);
  const { width: w, height: h } = p;
  const scene = cachedScene(p, cache || undefined);
  const file = join(cache, `family-${seed}-${w}x${h}-${basename(defaultWasmModel())}.f32`);
  if (!cache || !existsSync(file))
    throw new Error(`no model output for seed ${seed}: run edges-family.ts --cache first`);
  const b = readFileSync(file);
  const low = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const band = edgeBand(scene.alpha, w, h, 8);
  const gt = gradientMagnitude(scene.alpha, w, h);
  const bg2 = blurRgba(proceduralBackground(w, h, seed + 99), w, h, 1, 1);
  const plain = bandErrors(
    scene,
    band,
    gt,
    refineFamily('plain', low, scene.composite, w, h).alpha,
    scene.composite,
    bg2,
  );
  const shipped = refineFamily('shipped', low, scene.composite, w, h);
  const st = pixelStates(low, w, h);
  const near = nearSubject(st, w, h, 32);
  const pick: Record<(typeof ORACLES)[number], (i: number) => boolean> = {
    shipped: () => false,
    band: (i) => st[i] === 2,
    'band+32px': (i) => st[i] === 2 || (st[i] === 0 && near[i] === 1),
    'all but sure fg': (i) => st[i] !== 1,
  };
  const cells: string[] = [];
  for (const o of ORACLES) {
    const a = shipped.alpha.slice(),
      f = shipped.fg.slice();
    for (let i = 0; i < w * h; i++)
      if (pick[o](i)) {
        a[i] = scene.alpha[i] * 255 + 0.5;
        for (let c = 0; c < 3; c++) f[i * 4 + c] = scene.fg[i * 4 + c];
      }
    const e = bandErrors(scene, band, gt, a, f, bg2);
    ratios[o].grad.push(e.grad / plain.grad);
    ratios[o].recomp.push(e.recomposite / plain.recomposite);
    cells.push(`${(e.grad / plain.grad).toFixed(2)} / ${(e.recomposite / plain.recomposite).toFixed(2)}`);
  }
  console.log(`| ${seed} | ${p.cls} | ${cells.join(' | ')} |`);

  const trueA = new Uint8ClampedArray(w * h);
  for (let i = 0; i < w * h; i++) trueA[i] = scene.alpha[i] * 255 + 0.5;
  const split: Record<(typeof SPLITS)[number], [Uint8ClampedArray, Uint8ClampedArray]> = {
    'shipped α, true F': [shipped.alpha, scene.fg],
    'true α, estimated F': [trueA, estimateForeground(scene.composite, trueA, w, h)],
    "true α, the photo's colours": [trueA, scene.composite],
  };
  const row = SPLITS.map((k) => {
    const r = bandErrors(scene, band, gt, split[k][0], split[k][1], bg2).recomposite / plain.recomposite;
    splits[k].push(r);
    return r.toFixed(2);
  });
  splitRows.push(`| ${seed} | ${p.cls} | ${cells[0].split(' / ')[1]} | ${row.join(' | ')} |`);
}
console.log(
  `| median | | ${ORACLES.map((o) => `${median(ratios[o].grad).toFixed(2)} / ${median(ratios[o].recomp).toFixed(2)}`).join(' | ')} |`,
);

console.log(`\nRe-composite × plain, alpha and colour apart:\n`);
console.log(`| seed | class | shipped | ${SPLITS.join(' | ')} |`);
console.log(`|---:|---|---|${SPLITS.map(() => '---').join('|')}|`);
for (const r of splitRows) console.log(r);
console.log(
  `| median | | ${median(ratios.shipped.recomp).toFixed(2)} | ${SPLITS.map((k) => median(splits[k]).toFixed(2)).join(' | ')} |`,
);
