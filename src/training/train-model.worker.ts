import { encodeBundle, sha256 } from '../algorithms/artifact-codec';
import { getAlgorithm } from '../algorithms/registry';
import { setTrainingThreads } from '../algorithms/row-split';
import { buildCsr, preferenceMatrix, sortEventsByTime } from '../algorithms/sparse';
import { AlgorithmName, AlgorithmParams, TrainingData, Trial } from '../algorithms/types';
import { EvaluationMetrics } from '../evaluation/evaluate';
import { fitAndEvaluate } from '../evaluation/fit';
import { HoldoutSplit } from '../evaluation/split';
import { runAtBackgroundPriority } from '../workers/background-priority';
import { transferring } from '../workers/transfer';
import { bundleArrays } from '../model-registry/bundle-arrays';

export interface TrainRequest {
  algorithm: AlgorithmName;
  params: AlgorithmParams;
  data: TrainingData;
  /** (user, item) pairs never to recommend again: hidden, disliked or consumed. */
  exclusions: { user: Int32Array; item: Int32Array };
  holdoutFraction: number;
  /** Which of each user's events the holdout (and the validation split within it) takes. */
  holdoutSplit: HoldoutSplit;
  /** Evaluate at most this many users (an even stride), bounding evaluation cost on large data. */
  maxEvaluatedUsers: number;
  /**
   * The active version's params, re-fitted on the same training split and scored on the same
   * holdout, for the promotion gate. (The active artifact itself was trained on the holdout's
   * events, so scoring it directly would flatter it.)
   */
  baselineParams?: AlgorithmParams;
  /** Dictionaries and facts stored with the model (ids, feature names, snapshot position). */
  header: Record<string, unknown>;
  /** TRAINING_THREADS: threads each fit's rows are split over (this one and helpers it spawns); 1 when absent. */
  threads?: number;
}

export interface TrainResult {
  bytes: Uint8Array;
  checksum: string;
  params: AlgorithmParams;
  metrics: EvaluationMetrics;
  /** What was tried on the validation split to choose `params` (tuning and learned params); empty when nothing was. */
  trials: Trial[];
  /** The baseline's NDCG@10 on the same holdout, when a baseline was given. */
  baselineNdcg?: number;
}

/**
 * Fits as a production run does (see fitAndEvaluate: params chosen on validation, scored on a
 * time-based holdout, trained on everything) and returns one encoded bundle (model, histories
 * snapshot, exclusions) ready to store.
 */
export function trainModel(request: TrainRequest): TrainResult {
  setTrainingThreads(request.threads ?? 1);
  const algorithm = getAlgorithm(request.algorithm);
  const data = { ...request.data, events: sortEventsByTime(request.data.events) };
  const { artifact, params, trials, metrics, baselineNdcg } = fitAndEvaluate(algorithm, data, request.params, {
    holdoutFraction: request.holdoutFraction,
    maxUsers: request.maxEvaluatedUsers,
    split: request.holdoutSplit,
    baselineParams: request.baselineParams,
  });

  const history = preferenceMatrix(data.events, data.numUsers, data.numItems);
  const ones = new Float32Array(request.exclusions.user.length).fill(1);
  const excluded = buildCsr(data.numUsers, data.numItems, request.exclusions.user, request.exclusions.item, ones);

  const arrays = bundleArrays(history, excluded, artifact.arrays);

  const bytes = encodeBundle({
    header: {
      ...request.header,
      algorithm: request.algorithm,
      params,
      meta: artifact.meta,
      numUsers: data.numUsers,
      numItems: data.numItems,
    },
    arrays,
  });
  return { bytes, checksum: sha256(bytes), params, metrics, trials, baselineNdcg };
}

/** The piscina task: trains in the worker thread and moves the bundle's bytes back. */
export default function trainModelTask(request: TrainRequest): TrainResult {
  runAtBackgroundPriority();
  const result = trainModel(request);
  return transferring(result, [result.bytes.buffer]);
}
