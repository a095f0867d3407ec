import { Csr } from './types';

/**
 * The fixed side of one implicit-ALS half-step (Hu, Koren & Volinsky 2008): every row x of the
 * other side solves (YᵀY + λI + Σ_i (c_i − 1)·y_i·y_iᵀ)·x = Σ_i c_i·y_i over the row's positive
 * cells i, with confidence c_i = 1 + α·r_i and preference 1.
 */
export interface ImplicitSystem {
  /** Y: the fixed factors, one row of `factors` per column of the preference matrix. */
  fixed: Float32Array;
  /** YᵀY + λI, factors × factors. */
  gram: Float64Array;
  factors: number;
  alpha: number;
}

/** Scratch vectors for the conjugate-gradient solver, allocated once per sweep. */
export class CgWorkspace {
  readonly x: Float64Array;
  readonly residual: Float64Array;
  readonly direction: Float64Array;
  readonly product: Float64Array;

  constructor(factors: number) {
    this.x = new Float64Array(factors);
    this.residual = new Float64Array(factors);
    this.direction = new Float64Array(factors);
    this.product = new Float64Array(factors);
  }
}

/**
 * YᵀY + λI of a row-major `rows × factors` matrix. ml-matrix's transpose().mmul() takes 8–9× as long
 * (67–85 ms against 7–10 ms for 1,682 × 64; bench/dense-solve.ts).
 */
export function regularisedGram(y: Float32Array, rows: number, factors: number, lambda: number): Float64Array {
  const gram = new Float64Array(factors * factors);
  for (let r = 0; r < rows; r++) {
    const base = r * factors;
    for (let a = 0; a < factors; a++) {
      const ya = y[base + a];
      if (ya === 0) continue;
      const row = a * factors;
      for (let b = 0; b <= a; b++) gram[row + b] += ya * y[base + b];
    }
  }
  for (let a = 0; a < factors; a++) {
    gram[a * factors + a] += lambda;
    for (let b = 0; b < a; b++) gram[b * factors + a] = gram[a * factors + b];
  }
  return gram;
}

/**
 * One ALS half-step: re-solves every row of `target` against `system.fixed`, warm-started from the
 * row's current factors with `steps` conjugate-gradient steps, as the `implicit` library does.
 * Kept over forming each row's factors × factors system and solving it with ml-matrix's Cholesky:
 * on ML-100K's 943 users at 64 factors that takes 2.4–3.6 s a half-step against 0.12–0.23 s here,
 * 10–19× slower (shared 2-core machine; `npm run build:all && node dist/bench/dense-solve.js`).
 */
export function solveRows(prefs: Csr, target: Float32Array, system: ImplicitSystem, steps: number): void {
  solveRowRange(prefs, target, system, steps, 0, prefs.rows);
}

/**
 * Rows `[from, to)` of a half-step. Each row reads only the fixed side and its own warm start, so
 * ranges can be solved on different threads (row-split.ts) with the same result.
 */
export function solveRowRange(
  prefs: Csr,
  target: Float32Array,
  system: ImplicitSystem,
  steps: number,
  from: number,
  to: number,
): void {
  const f = system.factors;
  const ws = new CgWorkspace(f);
  for (let row = from; row < to; row++) {
    const start = prefs.indptr[row];
    const end = prefs.indptr[row + 1];
    // A row without positive cells solves to exactly zero.
    if (start === end) {
      target.fill(0, row * f, (row + 1) * f);
      continue;
    }
    for (let a = 0; a < f; a++) ws.x[a] = target[row * f + a];
    conjugateGradient(system, prefs.indices, prefs.values, start, end, steps, ws);
    for (let a = 0; a < f; a++) target[row * f + a] = ws.x[a];
  }
}

/**
 * `steps` conjugate-gradient steps on one row's system, from `ws.x` (the warm start) in place.
 * The row's cells are `indices/values[start..end)`; the matrix is never formed.
 */
export function conjugateGradient(
  system: ImplicitSystem,
  indices: Int32Array,
  values: Float32Array,
  start: number,
  end: number,
  steps: number,
  ws: CgWorkspace,
): void {
  const f = system.factors;
  const { x, residual: r, direction: p, product: ap } = ws;
  residual(system, indices, values, start, end, x, r);
  p.set(r);
  let rsOld = dot(r, r, f);
  for (let step = 0; step < steps && rsOld > 1e-20; step++) {
    multiply(system, indices, values, start, end, p, ap);
    const stepSize = rsOld / dot(p, ap, f);
    for (let a = 0; a < f; a++) {
      x[a] += stepSize * p[a];
      r[a] -= stepSize * ap[a];
    }
    const rsNew = dot(r, r, f);
    for (let a = 0; a < f; a++) p[a] = r[a] + (rsNew / rsOld) * p[a];
    rsOld = rsNew;
  }
}

/** out = b − A·x, with b = Σ c_i·y_i. */
function residual(
  system: ImplicitSystem,
  indices: Int32Array,
  values: Float32Array,
  start: number,
  end: number,
  x: Float64Array,
  out: Float64Array,
): void {
  const { fixed: y, factors: f, alpha } = system;
  multiplyGram(system.gram, x, out, f);
  for (let a = 0; a < f; a++) out[a] = -out[a];
  for (let k = start; k < end; k++) {
    const base = indices[k] * f;
    const confidence = 1 + alpha * values[k];
    addScaledRow(out, confidence - (confidence - 1) * dotRow(y, base, x, f), y, base, f);
  }
}

/** out = A·v = (YᵀY + λI)·v + Σ_i (c_i − 1)·(y_i·v)·y_i. */
function multiply(
  system: ImplicitSystem,
  indices: Int32Array,
  values: Float32Array,
  start: number,
  end: number,
  v: Float64Array,
  out: Float64Array,
): void {
  const { fixed: y, factors: f, alpha } = system;
  multiplyGram(system.gram, v, out, f);
  for (let k = start; k < end; k++) {
    const base = indices[k] * f;
    addScaledRow(out, alpha * values[k] * dotRow(y, base, v, f), y, base, f);
  }
}

function multiplyGram(gram: Float64Array, v: Float64Array, out: Float64Array, f: number): void {
  for (let a = 0; a < f; a++) out[a] = dotGramRow(gram, a * f, v, f);
}

/*
 * The two dot products below are the solver's hot loops. Four accumulators break the chain of
 * dependent additions (about 3x faster in V8); they are separate functions so that each call
 * site sees one array type and stays monomorphic.
 */

/** out += scale · y[base .. base + f), unrolled like the dot products for fewer loop-control steps. */
function addScaledRow(out: Float64Array, scale: number, y: Float32Array, base: number, f: number): void {
  let a = 0;
  for (; a + 3 < f; a += 4) {
    out[a] += scale * y[base + a];
    out[a + 1] += scale * y[base + a + 1];
    out[a + 2] += scale * y[base + a + 2];
    out[a + 3] += scale * y[base + a + 3];
  }
  for (; a < f; a++) out[a] += scale * y[base + a];
}

/** y[base .. base + f) · v. */
export function dotRow(y: Float32Array, base: number, v: Float64Array, f: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let a = 0;
  for (; a + 3 < f; a += 4) {
    s0 += y[base + a] * v[a];
    s1 += y[base + a + 1] * v[a + 1];
    s2 += y[base + a + 2] * v[a + 2];
    s3 += y[base + a + 3] * v[a + 3];
  }
  for (; a < f; a++) s0 += y[base + a] * v[a];
  return s0 + s1 + s2 + s3;
}

/** gram[base .. base + f) · v. */
function dotGramRow(gram: Float64Array, base: number, v: Float64Array, f: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let a = 0;
  for (; a + 3 < f; a += 4) {
    s0 += gram[base + a] * v[a];
    s1 += gram[base + a + 1] * v[a + 1];
    s2 += gram[base + a + 2] * v[a + 2];
    s3 += gram[base + a + 3] * v[a + 3];
  }
  for (; a < f; a++) s0 += gram[base + a] * v[a];
  return s0 + s1 + s2 + s3;
}

function dot(u: Float64Array, v: Float64Array, f: number): number {
  let sum = 0;
  for (let a = 0; a < f; a++) sum += u[a] * v[a];
  return sum;
}
