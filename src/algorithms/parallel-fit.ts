import { ImplicitSystem, solveRows } from './als-solver';
import { splitRows, trainingThreads } from './row-split';
import { NeighbourOptions, concatRows, cosineNeighbours } from './similarity';
import { Csr } from './types';

/**
 * The fits' row loops over TRAINING_THREADS threads (row-split.ts). With one thread they are the
 * single-thread functions themselves; with more, the arrays named below must be in shared
 * memory (`inShared`, `sharedCsr`), and the result is the same.
 */

/** An ALS half-step (`solveRows`); `prefs`, `target` and `system.fixed` shared. A row costs its cells plus the solve. */
export function solveRowsSplit(prefs: Csr, target: Float32Array, system: ImplicitSystem, steps: number): void {
  if (trainingThreads() <= 1) return solveRows(prefs, target, system, steps);
  const { indptr } = prefs;
  const perRow = system.factors;
  splitRows({ kind: 'als', prefs, target, system, steps }, prefs.rows, (row) => indptr[row + 1] - indptr[row] + perRow);
}

/**
 * `cosineNeighbours`; `rows`, `index` and `norms` shared. A row costs about the co-occurrences it
 * walks: its cells times their columns' lengths in the index.
 */
export function cosineNeighboursSplit(rows: Csr, index: Csr, norms: Float64Array, options: NeighbourOptions): Csr {
  if (trainingThreads() <= 1) return cosineNeighbours(rows, index, norms, options);
  const cost = (row: number): number => {
    let walked = 1;
    for (let k = rows.indptr[row]; k < rows.indptr[row + 1]; k++) {
      const column = rows.indices[k];
      walked += index.indptr[column + 1] - index.indptr[column];
    }
    return walked;
  };
  const parts = splitRows({ kind: 'neighbours', rows, index, norms, options }, rows.rows, cost);
  return concatRows(parts as Csr[], rows.rows);
}
