// Alpha matting in the model's uncertain band: a trimap from the low-res alpha, then alpha solved
// from the full-resolution colours by local colour sampling (foreground and background colour
// fields pushed-pulled from the sure regions, re-estimated from the first pass, projected).

import { axisTable, bilinearTap, lerpColumn, newTap, tapValue } from '../pipeline/resize';
import { type AlphaInput, alphaToFloat, dilateMask, runStarts, trimapFromLowRes } from './resample';
import { stageTimer } from '../../src/shared/stage-timer';

export interface MattingOptions {
  /** Low-res alpha ≤ threshold is sure background, ≥ 1 − threshold sure foreground. Default 5/255. */
  threshold?: number;
  /**
   * Colour-distance scale of the confidence in the sampled alpha: c = d² / (d² + σ²), with d the
   * distance between the foreground and background estimates (RGB in 0..1). Where the two are
   * alike the model's alpha is kept. Default 0.12.
   */
  sigma?: number;
  /**
   * How far (in model cells) F and B may be borrowed from before the sample loses trust: full
   * trust up to `reach` cells (a power of two), halved per doubling beyond. Default 32.
   */
  reach?: number;
  /**
   * Colour distance (RGB in 0..1) of a pixel from the line between its F and B estimates at
   * which the sample's trust is halved: neither colour explains the pixel. Default 0.1.
   */
  fit?: number;
  /** Share of |F − B|² added to fit² before halving trust (a tint tolerance). Default 0.2. */
  fitRelative?: number;
  /**
   * Where the sampled alpha would lower a model alpha of at least `ambiguityFrom`, its trust is
   * scaled by r² / (r² + k·v_F), with r the pixel's distance from the mean of the nearby
   * sure-foreground colours and v_F their variance (summed over R, G, B): a pixel within the
   * subject's own colour spread (a dark stripe of a striped subject, whose colour may also be the
   * background's) cannot be told from the subject by colour, so a confident model keeps its say.
   * The spread is that of the model's sure region only (the first pass's samples): the band's
   * near-pure pixels that later passes add would leave out exactly the colours in question. The
   * per-cluster colour spread is Bayesian matting's (Chuang et al. 2001), used here as a gate,
   * not a likelihood. This is k; 0 turns it off. Default 0.
   */
  ambiguity?: number;
  /** The model alpha from which `ambiguity` applies. Default 0.9. */
  ambiguityFrom?: number;
  /** Estimation passes (the second samples F and B from the first pass's near-pure pixels). Default 2. */
  passes?: number;
  /**
   * Strand recovery: how far (photo px) beyond the model's non-background cells sure-background
   * pixels are re-examined for strands the model dropped. 0 turns it off. Default 0: it
   * breaks the sure-background guarantee; 32 is the value tuned on the scene family's tuning
   * seeds (test/bench/family.ts).
   */
  recover?: number;
  /**
   * Significance of a recovered strand pixel: its distance from the local background mean in
   * units of the local background's spread (σ), squared, at which its trust is halved. Default 1.
   */
  recoverZ2?: number;
  /** Radius (model cells) of the window the local background mean and spread are taken over. Default 2. */
  recoverBox?: number;
  /**
   * Recovered pieces (8-connected) of fewer pixels than this that do not touch the rest of the
   * mask are dropped: on a grainy or dotted background they are the grain, not strands (a
   * speckle around the head). 0 keeps every piece. Default 0.
   */
  recoverMin?: number;
  /** If given, receives the milliseconds spent per stage. */
  timings?: Record<string, number>;
}

/**
 * Matting-based upsampling. Pixels outside the band get exactly 0 or 255; inside it
 * α = clamp(((I − B)·(F − B)) / |F − B|²), blended with the model's bilinear alpha by how far
 * apart F and B are. Output: w*h alpha, 0..255.
 */
export function upsampleAlphaMatting(
  lowAlpha: AlphaInput,
  lw: number,
  lh: number,
  rgba: Uint8ClampedArray,
  w: number,
  h: number,
  opts: MattingOptions = {},
): Uint8ClampedArray {
  if (!(lw > 0 && lh > 0 && w > 0 && h > 0)) throw new RangeError('sizes must be positive');
  if (lowAlpha.length !== lw * lh)
    throw new RangeError(`lowAlpha has ${lowAlpha.length} values, expected ${lw * lh}`);
  if (rgba.length !== w * h * 4) throw new RangeError(`rgba has ${rgba.length} bytes, expected ${w * h * 4}`);
  const t = opts.threshold ?? 5 / 255;
  const sigma = opts.sigma ?? 0.12;
  const passes = Math.max(1, opts.passes ?? 2);
  const lap = stageTimer(opts.timings);
  const p = alphaToFloat(lowAlpha);
  const { state, anyUnknown } = trimapFromLowRes(p, lw, lh, t);
  const X = axisTable(lw, w);
  const Y = axisTable(lh, h);
  const out = new Uint8ClampedArray(w * h);
  // Certain runs first: the band is filled below.
  const runStart = runStarts(X, lw, w);
  for (let y = 0; y < h; y++) {
    const srow = Y.i0[y] * lw,
      o = y * w;
    for (let j = 0; j < lw; j++) {
      if (state[srow + j] !== 1) continue;
      let j1 = j + 1; // one fill per run of sure cells, not per cell
      while (j1 < lw && state[srow + j1] === 1) j1++;
      out.fill(255, o + runStart[j], o + runStart[j1]);
      j = j1 - 1;
    }
  }
  lap('trimap');
  if (!anyUnknown) return out;

  // Band pixels, listed once: index and the model's bilinear alpha there.
  let count = 0;
  for (let y = 0; y < h; y++) {
    const srow = Y.i0[y] * lw;
    for (let j = 0; j < lw; j++) if (state[srow + j] === 2) count += runStart[j + 1] - runStart[j];
  }
  const idx = new Int32Array(count);
  const am = new Float32Array(count);
  {
    let q = 0;
    for (let y = 0; y < h; y++) {
      const srow = Y.i0[y] * lw,
        r1 = Y.i1[y] * lw,
        fy = Y.w1[y];
      for (let j = 0; j < lw; j++) {
        if (state[srow + j] !== 2) continue;
        for (let x = runStart[j]; x < runStart[j + 1]; x++) {
          const c0 = X.i0[x],
            c1 = X.i1[x],
            fx = X.w1[x];
          const top = p[srow + c0] + fx * (p[srow + c1] - p[srow + c0]);
          const bot = p[r1 + c0] + fx * (p[r1 + c1] - p[r1 + c0]);
          idx[q] = y * w + x;
          am[q++] = top + fy * (bot - top);
        }
      }
    }
  }
  lap('band');

  // Colour fields on the model's grid: per cell, the mean colour of its sure-foreground
  // (sure-background) pixels, then push-pull fills the cells without any.
  const n = lw * lh;
  const colX = new Int32Array(w),
    rowY = new Int32Array(h);
  for (let x = 0; x < w; x++) colX[x] = Math.min(lw - 1, ((x * lw) / w) | 0);
  for (let y = 0; y < h; y++) rowY[y] = Math.min(lh - 1, ((y * lh) / h) | 0);
  const fS = new Float32Array(n * 4),
    bS = new Float32Array(n * 4);
  // sure-foreground samples' Σ|I|² (channel 0, scaled as push-pull expects) and weight: their spread
  const amb = opts.ambiguity ?? 0;
  const ambFrom = opts.ambiguityFrom ?? 0.9;
  const fQ = amb > 0 ? new Float32Array(n * 4) : null;
  // Sure pixels next to the band: sample the cells of the band and a ring of 2 cells around it.
  const near = new Uint8Array(n);
  for (let i = 0; i < lh; i++)
    for (let j = 0; j < lw; j++) {
      if (state[i * lw + j] !== 2) continue;
      for (let a = Math.max(0, i - 2); a <= Math.min(lh - 1, i + 3); a++)
        for (let b = Math.max(0, j - 2); b <= Math.min(lw - 1, j + 3); b++) near[a * lw + b] = 1;
    }
  for (let y = 0; y < h; y++) {
    const ry = Y.i0[y] * lw,
      cy = rowY[y] * lw;
    for (let x = 0; x < w; x++) {
      const cell = cy + colX[x];
      if (!near[cell]) continue;
      const s = state[ry + X.i0[x]];
      if (s === 2) continue;
      const o = (y * w + x) * 4,
        d = s === 1 ? fS : bS,
        c = cell * 4;
      d[c] += rgba[o];
      d[c + 1] += rgba[o + 1];
      d[c + 2] += rgba[o + 2];
      d[c + 3] += 1;
      if (fQ && s === 1) addSquare(fQ, c, rgba, o, 1);
    }
  }
  lap('samples');

  const alpha = new Float32Array(count);
  const sig2 = sigma * sigma;
  const reach = opts.reach ?? 32;
  const fit2 = (opts.fit ?? 0.1) ** 2;
  const rel = opts.fitRelative ?? 0.2;
  const grow = opts.recover ?? 0;
  // cells a band pixel's bilinear tap reads (the fields are only needed there)
  const tapped = new Uint8Array(n);
  for (let i = 0; i < lh; i++)
    for (let j = 0; j < lw; j++) {
      if (state[i * lw + j] !== 2) continue;
      const i1 = Math.min(lh - 1, i + 1),
        j1 = Math.min(lw - 1, j + 1);
      tapped[i * lw + j] = tapped[i * lw + j1] = tapped[i1 * lw + j] = tapped[i1 * lw + j1] = 1;
    }
  // Strand recovery's cells (sure background within its reach of the mask) and the cells whose
  // foreground colour the last pass must give it: its taps there, and the band's.
  const ext = grow > 0 ? recoveryCells(state, lw, lh, w, h, grow) : null;
  let fNeed: Uint8Array = tapped;
  if (ext) {
    fNeed = dilateMask(ext, lw, lh, 1);
    for (let k = 0; k < n; k++) fNeed[k] |= tapped[k];
  }
  const rowF = new Float32Array(lw * 4),
    rowB = new Float32Array(lw * 4),
    rowQ = new Float32Array(lw * 4),
    stamp = new Int32Array(lw);
  const k255 = 1 / 255;
  let Q: Float32Array | null = null,
    F0: Float32Array | null = null;
  const rowF0 = new Float32Array(lw * 4);
  let Flast: Float32Array | null = null,
    Blast: Float32Array | null = null;
  // band pixels at even x and y: what the earlier passes solve
  let lattice: Int32Array | null = null;
  if (passes > 1) {
    const all = new Int32Array(count);
    let nl = 0;
    for (let q = 0; q < count; q++) {
      const i = idx[q];
      if (!((i % w) & 1) && !(((i / w) | 0) & 1)) all[nl++] = q;
    }
    lattice = all.subarray(0, nl);
  }
  for (let pass = 0; pass < passes; pass++) {
    let fS2 = fS,
      bS2 = bS;
    if (pass > 0) {
      // near-pure band pixels of the previous pass join the samples (weighted by purity); the
      // last pass adds them to the first samples in place, as no later pass starts from those
      const last = pass === passes - 1;
      fS2 = last ? fS : fS.slice();
      bS2 = last ? bS : bS.slice();
      // the previous pass solved every pixel (the last) or one in four (k = 4, earlier passes)
      const prev = pass - 1 < passes - 1 ? lattice : null;
      const m = prev ? prev.length : count;
      const k = prev ? 4 : 1;
      for (let s = 0; s < m; s++) {
        const q = prev ? prev[s] : s;
        const a = alpha[q];
        const i = idx[q];
        const c = (rowY[(i / w) | 0] * lw + colX[i % w]) * 4;
        const o = i * 4;
        if (a > 0.9) {
          const wt = (a - 0.9) * 10 * k;
          fS2[c] += wt * rgba[o];
          fS2[c + 1] += wt * rgba[o + 1];
          fS2[c + 2] += wt * rgba[o + 2];
          fS2[c + 3] += wt;
        } else if (a < 0.1) {
          const wt = (0.1 - a) * 10 * k;
          bS2[c] += wt * rgba[o];
          bS2[c + 1] += wt * rgba[o + 1];
          bS2[c + 2] += wt * rgba[o + 2];
          bS2[c + 3] += wt;
        }
      }
    }
    // A later pass writes into the earlier fields: it fills at least the cells they filled.
    // (the first pass's foreground field stays as it is where the ambiguity rule reads it)
    const F = pushPull(
      fS2,
      lw,
      lh,
      pass === passes - 1 ? fNeed : tapped,
      fQ ? undefined : (Flast ?? undefined),
    );
    if (pass === 0) F0 = F;
    const B = pushPull(bS2, lw, lh, tapped, Blast ?? undefined);
    Blast = B;
    Flast = F;
    if (pass === 0 && fQ) Q = pushPull(fQ, lw, lh, tapped);
    // the sure-foreground mean the ambiguity rule reads: this pass's F row in the first pass
    const ownF0 = Q !== null && F0 !== F;
    const rowSure = ownF0 ? rowF0 : rowF;
    lap('fields');
    // Earlier passes only feed the next pass's colour samples (per-cell means): one pixel in
    // four (even x and y) is enough there and costs a quarter; the last pass solves them all.
    const sub = pass < passes - 1 ? lattice : null;
    const m = sub ? sub.length : count;
    // The fields interpolated down to the pixel's row first, per model column as the row's band
    // pixels reach it (stamp: the row it was done for), then across to the pixel.
    stamp.fill(-1);
    // The band is listed row by row, so the pixel's row only moves forward.
    let y = 0,
      rowEnd = w,
      r0 = Y.i0[0] * lw * 4,
      r1 = Y.i1[0] * lw * 4,
      fy = Y.w1[0];
    for (let s = 0; s < m; s++) {
      const q = sub ? sub[s] : s;
      const i = idx[q];
      if (i >= rowEnd) {
        y = (i / w) | 0;
        rowEnd = (y + 1) * w;
        r0 = Y.i0[y] * lw * 4;
        r1 = Y.i1[y] * lw * 4;
        fy = Y.w1[y];
      }
      const x = i - (rowEnd - w);
      const j0 = X.i0[x],
        j1 = X.i1[x],
        fx = X.w1[x];
      if (stamp[j0] !== y) {
        lerpColumn(F, rowF, 4, j0, r0, r1, fy);
        lerpColumn(B, rowB, 4, j0, r0, r1, fy);
        if (Q) lerpColumn(Q, rowQ, 4, j0, r0, r1, fy);
        if (ownF0) lerpColumn(F0!, rowF0, 4, j0, r0, r1, fy);
        stamp[j0] = y;
      }
      if (stamp[j1] !== y) {
        lerpColumn(F, rowF, 4, j1, r0, r1, fy);
        lerpColumn(B, rowB, 4, j1, r0, r1, fy);
        if (Q) lerpColumn(Q, rowQ, 4, j1, r0, r1, fy);
        if (ownF0) lerpColumn(F0!, rowF0, 4, j1, r0, r1, fy);
        stamp[j1] = y;
      }
      const a0 = j0 * 4,
        a1 = j1 * 4;
      const o = i * 4;
      // per channel: B and F − B at the pixel, and the photo
      const b0 = rowB[a0] + fx * (rowB[a1] - rowB[a0]),
        b1 = rowB[a0 + 1] + fx * (rowB[a1 + 1] - rowB[a0 + 1]),
        b2 = rowB[a0 + 2] + fx * (rowB[a1 + 2] - rowB[a0 + 2]);
      const d0 = rowF[a0] + fx * (rowF[a1] - rowF[a0]) - b0,
        d1 = rowF[a0 + 1] + fx * (rowF[a1 + 1] - rowF[a0 + 1]) - b1,
        d2 = rowF[a0 + 2] + fx * (rowF[a1 + 2] - rowF[a0 + 2]) - b2;
      const i0 = rgba[o] * k255,
        i1 = rgba[o + 1] * k255,
        i2 = rgba[o + 2] * k255;
      const num = (i0 - b0) * d0 + (i1 - b1) * d1 + (i2 - b2) * d2;
      const den = d0 * d0 + d1 * d1 + d2 * d2;
      let as = num / (den + 1e-6);
      as = as < 0 ? 0 : as > 1 ? 1 : as;
      // distance of the pixel from the line between B and F: large where neither explains it
      // (B and F − B rounded to float32 here, as they were when kept in per-channel arrays: the
      // alpha stays bit for bit what the tuning measured)
      const e0 = i0 - Math.fround(b0) - as * Math.fround(d0),
        e1 = i1 - Math.fround(b1) - as * Math.fround(d1),
        e2 = i2 - Math.fround(b2) - as * Math.fround(d2);
      const res = e0 * e0 + e1 * e1 + e2 * e2;
      // trust the sample only where F and B differ and both were sampled nearby
      const sf = rowF[a0 + 3] + fx * (rowF[a1 + 3] - rowF[a0 + 3]);
      const sb = rowB[a0 + 3] + fx * (rowB[a1 + 3] - rowB[a0 + 3]);
      const near = Math.min(1, reach * sf) * Math.min(1, reach * sb);
      const tol = fit2 + rel * den; // strands vary in tint: allow more where F and B are far apart
      let conf = ((near * den) / (den + sig2)) * (tol / (tol + res));
      if (Q && as < am[q] && am[q] >= ambFrom) {
        // the pixel within the sure foreground's own spread: colour cannot rule it out as subject
        const f0 = rowSure[a0] + fx * (rowSure[a1] - rowSure[a0]),
          f1 = rowSure[a0 + 1] + fx * (rowSure[a1 + 1] - rowSure[a0 + 1]),
          f2 = rowSure[a0 + 2] + fx * (rowSure[a1 + 2] - rowSure[a0 + 2]);
        const vf = rowQ[a0] + fx * (rowQ[a1] - rowQ[a0]) - (f0 * f0 + f1 * f1 + f2 * f2);
        if (vf > 0) {
          const r2 = (i0 - f0) * (i0 - f0) + (i1 - f1) * (i1 - f1) + (i2 - f2) * (i2 - f2);
          conf *= r2 / (r2 + amb * vf + 1e-12);
        }
      }
      alpha[q] = conf * as + (1 - conf) * am[q];
    }
    lap('solve');
  }
  for (let q = 0; q < count; q++) out[idx[q]] = alpha[q] * 255 + 0.5;
  if (ext && Flast) {
    recoverStrands(
      out,
      ext,
      rgba,
      w,
      h,
      state,
      lw,
      lh,
      X,
      Y,
      runStart,
      colX,
      rowY,
      Flast,
      opts,
      sig2,
      fit2,
      rel,
    );
    lap('recover');
  }
  return out;
}

/** Adds wt·|I|² of the pixel at o to channel 0 of cell c (÷ 255, so push-pull's mean is E|I|² in 0..1) and wt to its weight. */
function addSquare(Q: Float32Array, c: number, rgba: Uint8ClampedArray, o: number, wt: number): void {
  const r = rgba[o],
    g = rgba[o + 1],
    b = rgba[o + 2];
  Q[c] += (wt * (r * r + g * g + b * b)) / 255;
  Q[c + 3] += wt;
}

/**
 * Strand recovery's cells: sure-background cells within `grow` px (in cells, at least 1) of a
 * non-background cell; null when there are none.
 */
function recoveryCells(
  state: Uint8Array,
  lw: number,
  lh: number,
  w: number,
  h: number,
  grow: number,
): Uint8Array | null {
  const n = lw * lh;
  const gc = Math.max(1, Math.ceil(grow * Math.max(lw / w, lh / h)));
  const notBg = new Uint8Array(n);
  for (let k = 0; k < n; k++) notBg[k] = state[k] !== 0 ? 1 : 0;
  const ext = dilateMask(notBg, lw, lh, gc);
  let any = false;
  for (let k = 0; k < n; k++)
    if (notBg[k]) ext[k] = 0;
    else if (ext[k]) any = true;
  return any ? ext : null;
}

/**
 * Strands the model dropped: sure-background pixels within `grow` px of the model's
 * non-background cells whose colour departs from the local background by more than its own
 * spread, in the direction of the local foreground colour, get α = projection × trust.
 * Background mean and spread: per model cell over its sure-background pixels, box-averaged
 * over (2r+1)² cells. Where the background is textured its spread is large and nothing is added.
 */
function recoverStrands(
  out: Uint8ClampedArray,
  ext: Uint8Array,
  rgba: Uint8ClampedArray,
  w: number,
  h: number,
  state: Uint8Array,
  lw: number,
  lh: number,
  X: { i0: Int32Array; i1: Int32Array; w1: Float32Array },
  Y: { i0: Int32Array; i1: Int32Array; w1: Float32Array },
  runStart: Int32Array,
  colX: Int32Array,
  rowY: Int32Array,
  F: Float32Array,
  opts: MattingOptions,
  sig2: number,
  fit2: number,
  rel: number,
): void {
  const n = lw * lh;
  const z2h = opts.recoverZ2 ?? 1;
  const br = opts.recoverBox ?? 2;
  // per-cell sums of sure-background pixels (r, g, b, |I|², count) on the colour grid, only in
  // the cells the box below reads (an ext pixel's colour cell is within 1 of its tap cell)
  const need = dilateMask(ext, lw, lh, br + 1);
  const rowNeed = new Uint8Array(lh);
  for (let i = 0; i < lh; i++)
    for (let j = 0; j < lw; j++)
      if (need[i * lw + j]) {
        rowNeed[i] = 1;
        break;
      }
  const S = new Float32Array(n * 5);
  for (let y = 0; y < h; y++) {
    if (!rowNeed[rowY[y]]) continue;
    const ry = Y.i0[y] * lw,
      cy = rowY[y] * lw;
    for (let x = 0; x < w; x++) {
      const cell = cy + colX[x];
      if (!need[cell] || state[ry + X.i0[x]] !== 0) continue;
      const o = (y * w + x) * 4,
        c = cell * 5;
      const r = rgba[o] * (1 / 255),
        g = rgba[o + 1] * (1 / 255),
        b = rgba[o + 2] * (1 / 255);
      S[c] += r;
      S[c + 1] += g;
      S[c + 2] += b;
      S[c + 3] += r * r + g * g + b * b;
      S[c + 4] += 1;
    }
  }
  // box over (2br+1)² cells, rows then columns: row sums where a column sum reads them (need),
  // column sums only where an ext pixel's colour cell reads them (within 1 of ext)
  const near = dilateMask(ext, lw, lh, 1);
  const T = new Float32Array(n * 5);
  for (let i = 0; i < lh; i++) {
    if (!rowNeed[i]) continue;
    for (let j = 0; j < lw; j++) {
      if (!need[i * lw + j]) continue;
      const d = (i * lw + j) * 5;
      for (let b = Math.max(0, j - br); b <= Math.min(lw - 1, j + br); b++) {
        const s = (i * lw + b) * 5;
        for (let k = 0; k < 5; k++) T[d + k] += S[s + k];
      }
    }
  }
  S.fill(0);
  for (let i = 0; i < lh; i++)
    for (let j = 0; j < lw; j++) {
      if (!near[i * lw + j]) continue;
      const d = (i * lw + j) * 5;
      for (let a = Math.max(0, i - br); a <= Math.min(lh - 1, i + br); a++) {
        const so = (a * lw + j) * 5;
        for (let k = 0; k < 5; k++) S[d + k] += T[so + k];
      }
    }
  const noise2 = 3 * (2 / 255) ** 2;
  const rec = new Uint8Array(w * h);
  let nrec = 0;
  const t = newTap();
  for (let y = 0; y < h; y++) {
    const r0 = Y.i0[y] * lw,
      cy = rowY[y] * lw;
    for (let j = 0; j < lw; j++) {
      if (!ext[r0 + j]) continue;
      for (let x = runStart[j]; x < runStart[j + 1]; x++) {
        const c = (cy + colX[x]) * 5;
        const cnt = S[c + 4];
        if (cnt < 4) continue;
        const inv = 1 / cnt;
        const b0 = S[c] * inv,
          b1 = S[c + 1] * inv,
          b2 = S[c + 2] * inv;
        const varB = Math.max(0, S[c + 3] * inv - b0 * b0 - b1 * b1 - b2 * b2) + noise2;
        bilinearTap(X, Y, x, y, lw, t);
        const o = (y * w + x) * 4;
        const i0 = rgba[o] * (1 / 255) - b0,
          i1 = rgba[o + 1] * (1 / 255) - b1,
          i2 = rgba[o + 2] * (1 / 255) - b2;
        const d0 = tapValue(F, t, 4, 0) - b0;
        const d1 = tapValue(F, t, 4, 1) - b1;
        const d2 = tapValue(F, t, 4, 2) - b2;
        const den = d0 * d0 + d1 * d1 + d2 * d2;
        let as = (i0 * d0 + i1 * d1 + i2 * d2) / (den + 1e-6);
        if (as <= 0) continue;
        if (as > 1) as = 1;
        const e0 = i0 - as * d0,
          e1 = i1 - as * d1,
          e2 = i2 - as * d2;
        const res = e0 * e0 + e1 * e1 + e2 * e2;
        const dev = i0 * i0 + i1 * i1 + i2 * i2;
        const z2 = dev / varB;
        const sig = (z2 * z2) / (z2 * z2 + z2h * z2h);
        const tol = fit2 + rel * den;
        const trust = sig * (den / (den + sig2)) * (tol / (tol + res));
        // a decision, not a shrinkage: a faint copy of every candidate would be a grey haze
        const u = (trust - 0.2) / 0.4;
        const conf = u <= 0 ? 0 : u >= 1 ? 1 : u * u * (3 - 2 * u);
        const a = conf * as * 255 + 0.5;
        if (a >= 1) {
          out[y * w + x] = a;
          rec[y * w + x] = 1;
          nrec++;
        }
      }
    }
  }
  const minPx = opts.recoverMin ?? 0;
  if (minPx > 0 && nrec > 0) dropSpecks(out, rec, w, h, minPx);
}

/**
 * Recovered pixels (rec = 1) in 8-connected pieces of fewer than minPx pixels that touch no other
 * part of the mask (alpha > 0, not recovered) are set to 0. rec is used as the visited mark.
 */
function dropSpecks(out: Uint8ClampedArray, rec: Uint8Array, w: number, h: number, minPx: number): void {
  const stack: number[] = [];
  const piece: number[] = [];
  for (let s0 = 0; s0 < w * h; s0++) {
    if (rec[s0] !== 1) continue;
    rec[s0] = 2;
    stack.push(s0);
    piece.length = 0;
    let touches = false;
    while (stack.length) {
      const i = stack.pop() as number;
      piece.push(i);
      const y = (i / w) | 0,
        x = i - y * w;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w || (dx === 0 && dy === 0)) continue;
          const j = yy * w + xx;
          if (rec[j] === 1) {
            rec[j] = 2;
            stack.push(j);
          } else if (rec[j] === 0 && out[j] > 0) touches = true;
        }
      }
    }
    if (piece.length < minPx && !touches) for (const i of piece) out[i] = 0;
  }
}

/**
 * Push-pull fill of a weighted colour grid (interleaved sum r, g, b, weight; colours 0..255):
 * sums are pooled 2×2 up to one cell, then each level keeps its own mean where it has weight
 * and borrows the coarser level's (bilinearly) where it has little. Result: RGB in 0..1 and a
 * support (1 = own samples, halved per level borrowed from), 4 floats per cell. With `need`,
 * only those cells are filled (the rest are left as `into` holds them, 0 in a new grid); `into`
 * is written in place of a new grid.
 */
function pushPull(
  S: Float32Array,
  w: number,
  h: number,
  need?: Uint8Array,
  into?: Float32Array,
): Float32Array {
  const levels: { s: Float32Array; w: number; h: number }[] = [{ s: S, w, h }];
  while (levels[levels.length - 1].w > 1 || levels[levels.length - 1].h > 1) {
    const L = levels[levels.length - 1];
    const nw = Math.max(1, Math.ceil(L.w / 2)),
      nh = Math.max(1, Math.ceil(L.h / 2));
    const s = new Float32Array(nw * nh * 4);
    const Ls = L.s;
    for (let y = 0; y < L.h; y++) {
      const rowA = y * L.w * 4,
        rowB = ((y / 2) | 0) * nw * 4;
      for (let x = 0; x < L.w; x++) {
        const a = rowA + x * 4;
        if (Ls[a + 3] === 0) continue; // no samples (and so no colour sums): nothing to add
        const b = rowB + (x >> 1) * 4;
        s[b] += Ls[a];
        s[b + 1] += Ls[a + 1];
        s[b + 2] += Ls[a + 2];
        s[b + 3] += Ls[a + 3];
      }
    }
    levels.push({ s, w: nw, h: nh });
  }
  // The cells each level must fill: those the level below reads (its bilinear taps reach one cell
  // around the parent of each of its needed cells); every cell where the caller needs them all.
  const needs: (Uint8Array | undefined)[] = [need];
  for (let l = 1; l < levels.length && need; l++) {
    const C = levels[l - 1],
      P = levels[l];
    const nd = needs[l - 1]!;
    const up = new Uint8Array(P.w * P.h);
    for (let y = 0; y < C.h; y++) {
      const rc = y * C.w,
        rp = (y >> 1) * P.w;
      for (let x = 0; x < C.w; x++) if (nd[rc + x]) up[rp + (x >> 1)] = 1;
    }
    needs.push(dilateMask(up, P.w, P.h, 1));
  }
  // Pull: means from the top down.
  let top = levels[levels.length - 1];
  let mean: Float32Array = new Float32Array(4);
  {
    const wt = top.s[3];
    for (let k = 0; k < 3; k++) mean[k] = wt > 0 ? top.s[k] / wt / 255 : 0.5;
    mean[3] = Math.min(1, wt);
  }
  for (let l = levels.length - 2; l >= 0; l--) {
    const L = levels[l];
    const nd = needs[l];
    const m = l === 0 && into ? into : new Float32Array(L.w * L.h * 4);
    const pw = top.w,
      ph = top.h;
    for (let y = 0; y < L.h; y++) {
      let sy = (y + 0.5) / 2 - 0.5;
      if (sy < 0) sy = 0;
      const y0 = Math.min(ph - 1, Math.floor(sy)),
        y1 = Math.min(ph - 1, y0 + 1),
        fy = sy - y0;
      for (let x = 0; x < L.w; x++) {
        if (nd && !nd[y * L.w + x]) continue; // only the cells the level below (the caller) reads
        const a = (y * L.w + x) * 4;
        const wt = L.s[a + 3];
        const own = Math.min(1, wt); // a cell with a whole pixel of samples keeps its own mean
        if (own >= 1) {
          const inv = 1 / (wt * 255);
          m[a] = L.s[a] * inv;
          m[a + 1] = L.s[a + 1] * inv;
          m[a + 2] = L.s[a + 2] * inv;
          m[a + 3] = 1;
          continue;
        }
        let sx = (x + 0.5) / 2 - 0.5;
        if (sx < 0) sx = 0;
        const x0 = Math.min(pw - 1, Math.floor(sx)),
          x1 = Math.min(pw - 1, x0 + 1),
          fx = sx - x0;
        const w00 = (1 - fy) * (1 - fx),
          w01 = (1 - fy) * fx,
          w10 = fy * (1 - fx),
          w11 = fy * fx;
        const p00 = (y0 * pw + x0) * 4,
          p01 = (y0 * pw + x1) * 4,
          p10 = (y1 * pw + x0) * 4,
          p11 = (y1 * pw + x1) * 4;
        const inv = wt > 0 ? 1 / (wt * 255) : 0;
        for (let k = 0; k < 4; k++) {
          const up = w00 * mean[p00 + k] + w01 * mean[p01 + k] + w10 * mean[p10 + k] + w11 * mean[p11 + k];
          const mine = k < 3 ? L.s[a + k] * inv : 1;
          // support: 1 where the cell has its own samples, halved per level borrowed from
          m[a + k] = own * mine + (1 - own) * (k < 3 ? up : 0.5 * up);
        }
      }
    }
    mean = m;
    top = L;
  }
  return mean;
}
