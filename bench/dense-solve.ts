/**
 * ml-matrix against the hand-written dense solves on the training hot paths, on ML-100K:
 * EASE's inverse of the item Gram matrix XᵀX + λI (spd-inverse.ts) and one ALS half-step, a
 * factors × factors system per user (als-solver.ts). Both sides get the same inputs and their
 * answers are compared. The default --items 841 (the most rated half) keeps it under a minute on
 * 2 cores: a dense inverse grows as n³, so ml-matrix's alone would take over a minute at all 1,682.
 *
 *   npm run build:all && node dist/bench/dense-solve.js [--data ../shared/data/ml-100k] [--items 841]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { ImplicitSystem, regularisedGram, solveRows } from '../src/algorithms/als-solver';
import { invertSpdInPlace } from '../src/algorithms/spd-inverse';
import { Csr } from '../src/algorithms/types';
import { Prng } from './prng';

const { values: options } = parseArgs({
  options: {
    data: { type: 'string', default: join(__dirname, '..', '..', '..', 'shared', 'data', 'ml-100k') },
    items: { type: 'string', default: '841' },
  },
});

/** EASE's and ALS's defaults (ease.ts, matrix-factorization.ts). */
const EASE_LAMBDA = 400;
const FACTORS = 64;
const ALS_LAMBDA = 25;
const ALPHA = 2;
const CG_STEPS = 3;

function timed<T>(run: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = run();
  return { result, ms: performance.now() - start };
}

/** Users × items, one cell per rating, limited to the `items` most rated items. */
function loadRatings(folder: string, items: number): Csr {
  const rows = readFileSync(join(folder, 'u.data'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split('\t').map(Number));
  const counts = new Map<number, number>();
  for (const [, item] of rows) counts.set(item, (counts.get(item) ?? 0) + 1);
  const kept = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, items);
  const columnOf = new Map(kept.map(([item], column) => [item, column]));
  const users = Math.max(...rows.map(([user]) => user));
  const byUser: number[][] = Array.from({ length: users }, () => []);
  for (const [user, item] of rows) {
    const column = columnOf.get(item);
    if (column !== undefined) byUser[user - 1].push(column);
  }
  const indptr = new Int32Array(users + 1);
  byUser.forEach((columns, user) => (indptr[user + 1] = indptr[user] + columns.length));
  const indices = Int32Array.from(byUser.flatMap((columns) => columns.sort((a, b) => a - b)));
  return { rows: users, cols: kept.length, indptr, indices, values: new Float32Array(indices.length).fill(1) };
}

/** XᵀX + λI, full (both triangles), row-major. */
function gram(x: Csr, lambda: number): Float64Array {
  const n = x.cols;
  const out = new Float64Array(n * n);
  for (let u = 0; u < x.rows; u++) {
    for (let k = x.indptr[u]; k < x.indptr[u + 1]; k++) {
      for (let l = x.indptr[u]; l < x.indptr[u + 1]; l++) out[x.indices[k] * n + x.indices[l]] += 1;
    }
  }
  for (let c = 0; c < n; c++) out[c * n + c] += lambda;
  return out;
}

function easeInverse(x: Csr): void {
  const n = x.cols;
  const full = gram(x, EASE_LAMBDA);
  const hand = timed(() => {
    const a = full.slice();
    invertSpdInPlace(a, n);
    return a;
  });
  const rows = Array.from({ length: n }, (_, i) => full.subarray(i * n, (i + 1) * n));
  const library = timed(() => new CholeskyDecomposition(new Matrix(rows)).solve(Matrix.eye(n)));
  let difference = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++)
      difference = Math.max(difference, Math.abs(hand.result[i * n + j] - library.result.get(i, j)));
  }
  console.log(`EASE inverse, ${n} × ${n} (λ ${EASE_LAMBDA}):`);
  console.log(`  spd-inverse.ts                      ${hand.ms.toFixed(0).padStart(7)} ms`);
  console.log(
    `  ml-matrix Cholesky, solve(I)        ${library.ms.toFixed(0).padStart(7)} ms  (${(library.ms / hand.ms).toFixed(1)}× slower)`,
  );
  console.log(`  largest difference ${difference.toExponential(1)}`);
}

/** The user rows of one ALS half-step, each system formed and solved exactly by ml-matrix's Cholesky. */
function choleskyHalfStep(x: Csr, system: ImplicitSystem, target: Float32Array): void {
  const f = system.factors;
  for (let row = 0; row < x.rows; row++) {
    // Formed in flat arrays, so what is timed is ml-matrix's solve rather than its get/set.
    const a = system.gram.slice();
    const b = new Float64Array(f);
    for (let k = x.indptr[row]; k < x.indptr[row + 1]; k++) {
      const y = x.indices[k] * f;
      const confidence = 1 + system.alpha * x.values[k];
      for (let i = 0; i < f; i++) {
        const scaled = (confidence - 1) * system.fixed[y + i];
        for (let j = 0; j < f; j++) a[i * f + j] += scaled * system.fixed[y + j];
        b[i] += confidence * system.fixed[y + i];
      }
    }
    const rows = Array.from({ length: f }, (_, i) => a.subarray(i * f, (i + 1) * f));
    const solution = new CholeskyDecomposition(new Matrix(rows)).solve(Matrix.columnVector(b));
    for (let i = 0; i < f; i++) target[row * f + i] = solution.get(i, 0);
  }
}

function alsHalfStep(x: Csr): void {
  const random = new Prng(42);
  const fixed = Float32Array.from({ length: x.cols * FACTORS }, () => random.next() * 0.01);
  const system: ImplicitSystem = {
    fixed,
    gram: regularisedGram(fixed, x.cols, FACTORS, ALS_LAMBDA),
    factors: FACTORS,
    alpha: ALPHA,
  };
  const exact = new Float32Array(x.rows * FACTORS);
  const library = timed(() => choleskyHalfStep(x, system, exact));
  // Training warm-starts each row from its previous factors; from the exact answer's neighbourhood here.
  const warm = exact.map((value, i) => value * (1 + 0.1 * Math.sin(i)));
  const hand = timed(() => solveRows(x, warm, system, CG_STEPS));
  let difference = 0;
  for (let i = 0; i < exact.length; i++)
    difference = Math.max(difference, Math.abs(exact[i] - warm[i]) / (Math.abs(exact[i]) + 1e-6));
  console.log(`ALS half-step, ${x.rows} users × ${FACTORS} factors (${x.indices.length} cells):`);
  console.log(`  als-solver.ts, ${CG_STEPS} CG steps, warm start ${hand.ms.toFixed(0).padStart(7)} ms`);
  console.log(
    `  ml-matrix, formed system + Cholesky ${library.ms.toFixed(0).padStart(7)} ms  (${(library.ms / hand.ms).toFixed(1)}× slower)`,
  );
  console.log(`  largest relative difference from the exact solution ${difference.toExponential(1)}`);
}

/** ALS's YᵀY + λI over the item factors, once per half-step. */
function alsGram(items: number): void {
  const random = new Prng(7);
  const y = Float32Array.from({ length: items * FACTORS }, () => random.next());
  const hand = timed(() => regularisedGram(y, items, FACTORS, ALS_LAMBDA));
  const library = timed(() => {
    const matrix = new Matrix(Array.from({ length: items }, (_, r) => y.subarray(r * FACTORS, (r + 1) * FACTORS)));
    return matrix
      .transpose()
      .mmul(matrix)
      .add(Matrix.eye(FACTORS, FACTORS, ALS_LAMBDA));
  });
  let difference = 0;
  for (let i = 0; i < FACTORS * FACTORS; i++) {
    difference = Math.max(
      difference,
      Math.abs(hand.result[i] - library.result.get(Math.floor(i / FACTORS), i % FACTORS)),
    );
  }
  console.log(`ALS Gram YᵀY + λI, ${items} × ${FACTORS} factors:`);
  console.log(`  als-solver.ts regularisedGram        ${hand.ms.toFixed(1).padStart(7)} ms`);
  console.log(
    `  ml-matrix transpose().mmul()         ${library.ms.toFixed(1).padStart(7)} ms  (${(library.ms / hand.ms).toFixed(1)}× the time)`,
  );
  console.log(`  largest difference ${difference.toExponential(1)}`);
}

const ratings = loadRatings(options.data, Number(options.items));
easeInverse(ratings);
alsHalfStep(ratings);
alsGram(1682);
