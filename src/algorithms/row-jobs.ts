import { ImplicitSystem, solveRowRange } from './als-solver';
import { NeighbourOptions, neighbourRows } from './similarity';
import { Csr } from './types';

/**
 * The row work a fit splits over threads, as plain data a helper thread can be sent: the arrays
 * in it are in shared memory, so sending them shares rather than copies.
 */
export type RowJob =
  | { kind: 'als'; prefs: Csr; target: Float32Array; system: ImplicitSystem; steps: number }
  | { kind: 'neighbours'; rows: Csr; index: Csr; norms: Float64Array; options: NeighbourOptions };

/** What rows `[from, to)` give: ALS writes into the shared target and returns nothing; kNN returns its rows. */
export type RowPart = Csr | null;

export function runRows(job: RowJob, from: number, to: number): RowPart {
  if (job.kind === 'als') {
    solveRowRange(job.prefs, job.target, job.system, job.steps, from, to);
    return null;
  }
  return neighbourRows(job.rows, job.index, job.norms, job.options, from, to);
}
