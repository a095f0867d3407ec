import { TUNE_PARAM } from '../algorithms/params';
import { Algorithm, AlgorithmParams, Judge, Learned, TrainingData, Trial } from '../algorithms/types';
import { holdoutOf, judgeOf } from './evaluate';
import { HoldoutSplit } from './split';

/** How the validation split is carved from a run's training data: as the run's own holdout is. */
export interface ValidationOptions {
  holdoutFraction: number;
  maxUsers: number;
  split: HoldoutSplit;
}

/**
 * The params a run trains with: `params` over the defaults; with `tune: true`, the best point of
 * a search over the algorithm's tuning grid; then whatever the algorithm learns at every run
 * (hybrid's blend, popularity's half-life). Every choice is judged on a validation split carved
 * from `data` the way the run's holdout is (HOLDOUT_SPLIT), so data the run is scored on
 * never takes part. The result has `tune` off and learning switched off at the values chosen,
 * so re-fitting it (the promotion gate's baseline) reproduces the same model.
 */
export function chooseParams(
  algorithm: Algorithm,
  data: TrainingData,
  params: AlgorithmParams,
  options: ValidationOptions,
): Learned {
  const { [TUNE_PARAM]: tune, ...rest } = params;
  let chosen: AlgorithmParams = { ...algorithm.defaults, ...rest };
  const tuning = tune === true ? algorithm.tuning : undefined;
  if (!tuning && !algorithm.learn) return { params: chosen, trials: [] };
  const validation = holdoutOf(data, options.holdoutFraction, options.maxUsers, options.split);
  const judge = judgeOf(validation);
  const trials: Trial[] = [];
  if (tuning) {
    const searched = coordinateSearch(algorithm, validation.train, chosen, tuning, judge);
    trials.push(...searched.trials);
    chosen = searched.params;
  }
  const learned = algorithm.learn?.(validation.train, chosen, judge);
  if (learned) {
    trials.push(...learned.trials);
    chosen = learned.params;
  }
  return { params: chosen, trials };
}

/**
 * One parameter at a time, in the grid's order, each set to its best value before the next is
 * searched: Σ values trials rather than Π values, which keeps a run's cost bounded. Ties keep
 * the earlier value, so the starting point wins unless something beats it; a value whose training
 * fails scores -Infinity and is recorded as such.
 */
function coordinateSearch(
  algorithm: Algorithm,
  train: TrainingData,
  start: AlgorithmParams,
  grid: Record<string, readonly AlgorithmParams[string][]>,
  judge: Judge,
): Learned {
  const trials: Trial[] = [];
  const tried = new Map<string, number>();
  const score = (params: AlgorithmParams): number => {
    const key = JSON.stringify(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)));
    const known = tried.get(key);
    if (known !== undefined) return known;
    // Learned params stay at their current values within a trial (learning each would multiply
    // its cost); they are learned once, after the search.
    let ndcg: number;
    try {
      ndcg = judge([algorithm.load(algorithm.train(train, params))])[0];
    } catch {
      // A grid value the data cannot take (more factors than items, EASE over max_items) loses.
      ndcg = -Infinity;
    }
    tried.set(key, ndcg);
    trials.push({ params, ndcg_at_10: ndcg });
    return ndcg;
  };
  let best = start;
  let bestScore = score(start);
  for (const [name, values] of Object.entries(grid)) {
    for (const value of values) {
      const candidate = { ...best, [name]: value };
      const candidateScore = score(candidate);
      if (candidateScore > bestScore) {
        best = candidate;
        bestScore = candidateScore;
      }
    }
  }
  return { params: best, trials };
}
