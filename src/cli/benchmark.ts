import { preferenceMatrix, sortEventsByTime } from '../algorithms/sparse';
import { Algorithm, AlgorithmParams, EventLog, TrainingData } from '../algorithms/types';
import { defaultOf } from '../config/variables';
import { evaluateRecommender, holdoutOf, relevanceMatrix } from '../evaluation/evaluate';
import { fitAndEvaluate } from '../evaluation/fit';
import { MovieLens } from '../evaluation/movielens';
import { HoldoutSplit, stratifiedSplitByItem } from '../evaluation/split';
import { importedMovieLens } from './imported-movielens';

export type Protocol = 'ms' | 'validation' | 'time';

/** Settings a training run uses by default: the same validation and holdout as the service's. */
export const RUN = {
  holdoutFraction: defaultOf<number>('HOLDOUT_FRACTION', false),
  maxUsers: defaultOf<number>('EVALUATION_MAX_USERS', false),
  split: defaultOf<HoldoutSplit>('HOLDOUT_SPLIT', false),
};

/**
 * The data the service trains on after importing the training rows, and the test events: MS
 * Recommenders' per-item 75/25 split (seed 42); `validation`, the same split carved again from
 * its training rows, where the defaults are chosen (the test rows take no part); or each user's
 * latest quarter (time).
 */
export function protocolData(
  movies: MovieLens,
  protocol: Protocol,
  ratingSpread: number,
): { train: TrainingData; test: EventLog } {
  if (protocol === 'time') {
    const everything = Int32Array.from({ length: movies.ratings.user.length }, (_, row) => row);
    const data = importedMovieLens(movies, everything, ratingSpread).data;
    const holdout = holdoutOf({ ...data, events: sortEventsByTime(data.events) }, 0.25, Infinity, 'time');
    return { train: holdout.train, test: holdout.test };
  }
  let split = stratifiedSplitByItem(movies.ratings.item, 0.75, 42);
  if (protocol === 'validation') {
    const inner = stratifiedSplitByItem(
      Array.from(split.train, (row) => movies.ratings.item[row]),
      0.75,
      42,
    );
    split = { train: inner.train.map((k) => split.train[k]), test: inner.test.map((k) => split.train[k]) };
  }
  const imported = importedMovieLens(movies, split.train, ratingSpread);
  return {
    train: { ...imported.data, events: sortEventsByTime(imported.data.events) },
    test: imported.events(split.test),
  };
}

/** Fits as a training run with default settings does, then scores the model on the test events. */
export function evaluateOne(algorithm: Algorithm, train: TrainingData, test: EventLog, params: AlgorithmParams) {
  const started = performance.now();
  const fitted = fitAndEvaluate(algorithm, train, params, RUN);
  const seconds = (performance.now() - started) / 1000;
  const history = preferenceMatrix(train.events, train.numUsers, train.numItems);
  const metrics = evaluateRecommender(algorithm.load(fitted.artifact), history, relevanceMatrix(test, history), {
    k: 10,
    numItems: train.numItems,
  });
  return { fitted, metrics, seconds };
}
