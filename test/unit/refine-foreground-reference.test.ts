// Reference test of the multi-level foreground estimation (Germer et al. 2020): on small
// images its coarse-to-fine Gauss–Seidel result matches a dense direct solve of the same
// quadratic objective.

import { describe, expect, it } from 'vitest';
import { multiLevel } from '../../workers/refine/foreground';
import { prng } from '../support/scenes';

/**
 * The objective of Germer et al. (their eq. 4), for one colour channel:
 *   Σ_i (α_i F_i + (1 − α_i) B_i − I_i)² + Σ_{i~j} (ε + γ|α_i − α_j|)((F_i − F_j)² + (B_i − B_j)²)
 * over 4-connected pairs, each once. Its normal equations, solved densely (Gaussian elimination
 * with partial pivoting): unknowns F_0..F_{n−1}, B_0..B_{n−1}.
 */
function denseSolve(I: Float64Array, al: Float64Array, w: number, h: number, eps: number, gam: number) {
  const n = w * h,
    m = 2 * n;
  const A = Array.from({ length: m }, () => new Float64Array(m + 1));
  for (let i = 0; i < n; i++) {
    const a = al[i],
      b = 1 - a;
    A[i][i] += a * a;
    A[i][n + i] += a * b;
    A[n + i][i] += a * b;
    A[n + i][n + i] += b * b;
    A[i][m] += a * I[i];
    A[n + i][m] += b * I[i];
  }
  const edge = (i: number, j: number) => {
    const wt = eps + gam * Math.abs(al[i] - al[j]);
    for (const o of [0, n]) {
      A[o + i][o + i] += wt;
      A[o + j][o + j] += wt;
      A[o + i][o + j] -= wt;
      A[o + j][o + i] -= wt;
    }
  };
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (x + 1 < w) edge(y * w + x, y * w + x + 1);
      if (y + 1 < h) edge(y * w + x, (y + 1) * w + x);
    }
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    [A[c], A[p]] = [A[p], A[c]];
    for (let r = c + 1; r < m; r++) {
      const f = A[r][c] / A[c][c];
      if (f !== 0) for (let k = c; k <= m; k++) A[r][k] -= f * A[c][k];
    }
  }
  const x = new Float64Array(m);
  for (let r = m - 1; r >= 0; r--) {
    let s = A[r][m];
    for (let k = r + 1; k < m; k++) s -= A[r][k] * x[k];
    x[r] = s / A[r][r];
  }
  return x;
}

/** A small scene: smooth F and B, a soft blob of alpha with a partial ramp; I = αF + (1−α)B. */
function smallCase(w: number, h: number, seed: number) {
  const r = prng(seed);
  const n = w * h;
  const img = new Float32Array(n * 3),
    al = new Float32Array(n);
  const fc = [0.2 + 0.6 * r(), 0.2 + 0.6 * r(), 0.2 + 0.6 * r()];
  const bc = [0.2 + 0.6 * r(), 0.2 + 0.6 * r(), 0.2 + 0.6 * r()];
  const cx = w * (0.3 + 0.4 * r()),
    cy = h * (0.3 + 0.4 * r()),
    rad = Math.min(w, h) * 0.3;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const d = Math.hypot(x - cx, y - cy);
      const a = Math.min(1, Math.max(0, (rad - d) / 3 + 0.5));
      al[i] = a;
      for (let c = 0; c < 3; c++) {
        const f = fc[c] + 0.1 * Math.sin((x + c) / 3),
          b = bc[c] + 0.1 * Math.cos((y - c) / 4);
        img[i * 3 + c] = a * f + (1 - a) * b;
      }
    }
  return { img, al };
}

describe('multi-level foreground estimation vs a dense solve of its objective', () => {
  for (const [w, h, seed] of [
    [12, 10, 1],
    [16, 9, 2],
    [10, 14, 3],
  ] as const) {
    it(`${w}×${h}, seed ${seed}: F and B agree where they are observable`, () => {
      const { img, al } = smallCase(w, h, seed);
      const eps = 1e-3; // conditioning of the direct solve; the solver is run with the same ε
      const fb = multiLevel(img, al, w, h, { regularization: eps, smallIterations: 4000 });
      let worst = 0;
      for (let c = 0; c < 3; c++) {
        const I = new Float64Array(w * h),
          A = new Float64Array(w * h);
        for (let i = 0; i < w * h; i++) {
          I[i] = img[i * 3 + c];
          A[i] = al[i];
        }
        const ref = denseSolve(I, A, w, h, eps, 1);
        for (let i = 0; i < w * h; i++) {
          // F matters in proportion to α, B to 1 − α (what a re-composite would show)
          worst = Math.max(
            worst,
            A[i] * Math.abs(fb[i * 6 + c] - ref[i]),
            (1 - A[i]) * Math.abs(fb[i * 6 + 3 + c] - ref[w * h + i]),
          );
        }
      }
      expect(worst).toBeLessThan(2e-3);
    });
  }
});
