import { Csr, NumericArray } from '../algorithms/types';

/**
 * The arrays a stored model bundle carries, by name: the training run's history and exclusions
 * (read back once per run by serving-snapshots.ts) and the model's own arrays under `model.`
 * (split off by decode-artifact.worker.ts).
 */
export function bundleArrays(
  history: Csr,
  excluded: Pick<Csr, 'indptr' | 'indices'>,
  modelArrays: Record<string, NumericArray>,
): Record<string, NumericArray> {
  const arrays: Record<string, NumericArray> = {
    'history.indptr': history.indptr,
    'history.indices': history.indices,
    'history.values': history.values,
    'excluded.indptr': excluded.indptr,
    'excluded.indices': excluded.indices,
  };
  for (const [name, array] of Object.entries(modelArrays)) arrays[`model.${name}`] = array;
  return arrays;
}
