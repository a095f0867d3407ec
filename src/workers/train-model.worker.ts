import { encodeBundle, sha256 } from '../algorithms/artifact-codec';
import { getAlgorithm } from '../algorithms/registry';
import { buildCsr, preferenceMatrix } from '../algorithms/sparse';
import { AlgorithmName, AlgorithmParams, NumericArray, TrainingData } from '../algorithms/types';
import { EvaluationMetrics, trainAndEvaluate } from '../evaluation/evaluate';

export interface TrainRequest {
  algorithm: AlgorithmName;
  params: AlgorithmParams;
  data: TrainingData;
  /** (user, item) pairs never to recommend again: hidden, disliked or consumed. */
  exclusions: { user: Int32Array; item: Int32Array };
  holdoutFraction: number;
  /** Dictionaries and facts stored with the model (ids, feature names, snapshot position). */
  header: Record<string, unknown>;
}

export interface TrainResult {
  bytes: Uint8Array;
  checksum: string;
  params: AlgorithmParams;
  metrics: EvaluationMetrics;
}

/**
 * Runs in a piscina worker thread: evaluates on a time-based holdout, trains on everything,
 * and returns one encoded bundle (model, histories snapshot, exclusions) ready to store.
 */
export default function trainModel(request: TrainRequest): TrainResult {
  const algorithm = getAlgorithm(request.algorithm);
  const params = { ...algorithm.defaults, ...request.params };
  const { data } = request;
  const metrics = trainAndEvaluate(algorithm, data, params, request.holdoutFraction);
  const artifact = algorithm.train(data, params);

  const history = preferenceMatrix(data.events, data.numUsers, data.numItems);
  const ones = new Float32Array(request.exclusions.user.length).fill(1);
  const excluded = buildCsr(data.numUsers, data.numItems, request.exclusions.user, request.exclusions.item, ones);

  const arrays: Record<string, NumericArray> = {
    'history.indptr': history.indptr,
    'history.indices': history.indices,
    'history.values': history.values,
    'excluded.indptr': excluded.indptr,
    'excluded.indices': excluded.indices,
  };
  for (const [name, array] of Object.entries(artifact.arrays)) arrays[`model.${name}`] = array;

  const bytes = encodeBundle({
    header: { ...request.header, algorithm: request.algorithm, params, meta: artifact.meta, numUsers: data.numUsers, numItems: data.numItems },
    arrays,
  });
  return { bytes, checksum: sha256(bytes), params, metrics };
}
