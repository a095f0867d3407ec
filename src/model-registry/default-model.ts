import { ALGORITHMS, AlgorithmName } from '../algorithms/types';

/** DEFAULT_ALGORITHM's value that serves the best active model rather than a named algorithm. */
export const AUTO_ALGORITHM = 'auto';

interface Ranked {
  algorithm: AlgorithmName;
  metrics: Record<string, number> | null;
}

/**
 * The version DEFAULT_ALGORITHM serves among the active ones: the named algorithm's, or with `auto`
 * the one with the best holdout NDCG@10 (ties to the earlier algorithm in ALGORITHMS). The active
 * set changes only when a version is activated, by the promotion gate or an operator, so that is
 * the only time `auto` can change its choice.
 */
export function defaultModel<T extends Ranked>(setting: string, active: readonly T[]): T | undefined {
  if (setting !== AUTO_ALGORITHM) return active.find((model) => model.algorithm === setting);
  let best: T | undefined;
  for (const model of [...active].sort((a, b) => ALGORITHMS.indexOf(a.algorithm) - ALGORITHMS.indexOf(b.algorithm))) {
    const ndcg = model.metrics?.ndcg_at_10;
    if (ndcg === undefined) continue;
    if (best === undefined || ndcg > (best.metrics?.ndcg_at_10 ?? -Infinity)) best = model;
  }
  return best;
}
