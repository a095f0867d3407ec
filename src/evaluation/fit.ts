import { Algorithm, AlgorithmParams, ModelArtifact, TrainingData, Trial } from '../algorithms/types';
import { chooseParams, ValidationOptions } from './choose';
import { EvaluationMetrics, holdoutOf, trainAndEvaluateHoldout } from './evaluate';

export interface Fitted {
  artifact: ModelArtifact;
  /** The params it was trained with: learned and tuned values filled in, learning switched off. */
  params: AlgorithmParams;
  trials: Trial[];
  /** On the holdout (a share of each user's events, HOLDOUT_SPLIT), which no choice saw. */
  metrics: EvaluationMetrics;
  /** The baseline's NDCG@10 on the same holdout, when a baseline was given. */
  baselineNdcg?: number;
}

/**
 * A production training run, pure and synchronous (it runs in a training worker): hold out a
 * share of each user's events; choose what is learned or tuned on a validation split carved from the
 * rest; score the chosen params (and the baseline's, for the promotion gate) on the holdout;
 * train on everything. `data.events` must be in time order.
 */
export function fitAndEvaluate(
  algorithm: Algorithm,
  data: TrainingData,
  params: AlgorithmParams,
  options: ValidationOptions & { baselineParams?: AlgorithmParams },
): Fitted {
  const holdout = holdoutOf(data, options.holdoutFraction, options.maxUsers, options.split);
  const chosen = chooseParams(algorithm, holdout.train, params, options);
  const metrics = trainAndEvaluateHoldout(algorithm, holdout, chosen.params).metrics;
  const baseline = options.baselineParams && { ...algorithm.defaults, ...options.baselineParams };
  const baselineNdcg =
    baseline &&
    (sameParams(baseline, chosen.params)
      ? metrics.ndcg_at_10
      : trainAndEvaluateHoldout(algorithm, holdout, baseline).metrics.ndcg_at_10);
  const artifact = algorithm.train(data, chosen.params);
  return { artifact, params: chosen.params, trials: chosen.trials, metrics, baselineNdcg };
}

function sameParams(a: AlgorithmParams, b: AlgorithmParams): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => a[key] === b[key]);
}
