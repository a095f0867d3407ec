import { buildCsr, preferenceMatrix, topK } from '../algorithms/sparse';
import {
  Algorithm,
  AlgorithmParams,
  Csr,
  EventLog,
  Judge,
  Recommender,
  TrainingData,
  UserProfile,
} from '../algorithms/types';
import { GroupCap, pickWithinCap } from '../domain/diversity';
import { averagePrecisionMs, catalogueCoverage, intraListDiversity, ndcgAtK, precisionAtK, recallAtK } from './metrics';
import { HoldoutSplit, randomHoldout, timeHoldout } from './split';

/** The cut-off every stored metric is taken at; the names below carry it. */
const EVALUATION_K = 10;

/** Averages over the users evaluated; `map_at_10` is Microsoft Recommenders' MAP (see metrics.ts). */
export interface EvaluationMetrics {
  precision_at_10: number;
  recall_at_10: number;
  ndcg_at_10: number;
  map_at_10: number;
  coverage: number;
  /** Mean over users of their top 10's intra-list diversity over content features (see metrics.ts). */
  intra_list_diversity: number;
  users_evaluated: number;
}

export interface EvaluationOptions {
  k: typeof EVALUATION_K;
  numItems: number;
  /** Content features per item, for intra-list diversity; without them it is reported as 0. */
  itemFeatures?: Csr;
  /** The cap on one artist or series as serving applies it (domain/diversity.ts); none: uncapped lists. */
  cap?: ListCap;
}

/** Artist or series code per item (-1 for none) and MAX_PER_ARTIST. */
export interface ListCap {
  itemGroups: Int32Array;
  maxPerArtist: number;
}

/** Training data plus held-out positive events, which define relevance. */
export interface Holdout {
  train: TrainingData;
  test: EventLog;
}

/**
 * Ranks all items for every user with relevant test items, from that user's training history,
 * with the training items removed, and averages the top-k metrics over those users.
 * `train` and `test` are user × item; a cell of `test` marks a relevant item.
 */
export function evaluateRecommender(
  recommender: Recommender,
  train: Csr,
  test: Csr,
  options: EvaluationOptions,
): EvaluationMetrics {
  return evaluateRecommenders([recommender], train, test, options)[0];
}

/**
 * `evaluateRecommender` for several recommenders at once, user by user: each scores the same
 * profile object in turn, so what they share per profile is computed once (see `Judge`).
 */
export function evaluateRecommenders(
  recommenders: Recommender[],
  train: Csr,
  test: Csr,
  options: EvaluationOptions,
): EvaluationMetrics[] {
  const { k, numItems } = options;
  const scores = new Float32Array(numItems);
  const tallies = recommenders.map(() => ({
    lists: [] as Int32Array[],
    precision: 0,
    recall: 0,
    ndcg: 0,
    map: 0,
    diversity: 0,
  }));
  for (let user = 0; user < test.rows; user++) {
    if (test.indptr[user] === test.indptr[user + 1]) continue;
    const relevant = new Set(test.indices.subarray(test.indptr[user], test.indptr[user + 1]));
    const profile = trainingProfile(train, user);
    recommenders.forEach((recommender, r) => {
      scores.fill(-Infinity);
      recommender.score(profile, scores);
      for (const item of profile.items) scores[item] = -Infinity;
      const recommended = topWithinCap(scores, k, options.cap);
      const tally = tallies[r];
      tally.lists.push(recommended);
      if (options.itemFeatures) tally.diversity += intraListDiversity(recommended, options.itemFeatures);
      tally.precision += precisionAtK(recommended, relevant, k);
      tally.recall += recallAtK(recommended, relevant, k);
      tally.ndcg += ndcgAtK(recommended, relevant, k);
      tally.map += averagePrecisionMs(recommended, relevant, k);
    });
  }
  return tallies.map((tally) => {
    const users = tally.lists.length;
    const mean = (sum: number) => (users > 0 ? sum / users : 0);
    return {
      precision_at_10: mean(tally.precision),
      recall_at_10: mean(tally.recall),
      ndcg_at_10: mean(tally.ndcg),
      map_at_10: mean(tally.map),
      coverage: catalogueCoverage(tally.lists, numItems),
      intra_list_diversity: mean(tally.diversity),
      users_evaluated: users,
    };
  });
}

/** The top k as serving would list it: widened until the cap has filled k places or nothing is left. */
function topWithinCap(scores: Float32Array, k: number, cap: ListCap | undefined): Int32Array {
  if (!cap || cap.maxPerArtist <= 0) return topK(scores, k);
  for (let pool = 2 * k + 10; ; pool *= 4) {
    const candidates = topK(scores, pool);
    const { picked, exhausted } = pickWithinCap(
      candidates,
      (item) => cap.itemGroups[item] ?? -1,
      GroupCap.of(cap.maxPerArtist),
      k,
    );
    if (!exhausted || candidates.length < pool) return Int32Array.from(picked);
  }
}

function trainingProfile(train: Csr, user: number): UserProfile {
  const from = user < train.rows ? train.indptr[user] : 0;
  const to = user < train.rows ? train.indptr[user + 1] : 0;
  return {
    userIndex: user,
    items: train.indices.slice(from, to),
    weights: train.values.slice(from, to),
    declaredFeatures: new Int32Array(0),
    cityIndex: -1,
  };
}

/**
 * Relevant items per user: held-out positive events on items the user has no positive training
 * history with (those are removed from the ranking, so they could never be hit).
 */
export function relevanceMatrix(test: EventLog, train: Csr): Csr {
  const ones = new Float32Array(test.user.length).fill(1);
  const all = buildCsr(train.rows, train.cols, test.user, test.item, ones);
  const keepUser: number[] = [];
  const keepItem: number[] = [];
  for (let user = 0; user < all.rows; user++) {
    const seen = new Set(train.indices.subarray(train.indptr[user], train.indptr[user + 1]));
    for (let k = all.indptr[user]; k < all.indptr[user + 1]; k++) {
      if (seen.has(all.indices[k])) continue;
      keepUser.push(user);
      keepItem.push(all.indices[k]);
    }
  }
  return buildCsr(
    train.rows,
    train.cols,
    Int32Array.from(keepUser),
    Int32Array.from(keepItem),
    new Float32Array(keepUser.length).fill(1),
  );
}

/** NDCG@10 on `holdout.test` of recommenders trained on `holdout.train`. */
export function judgeOf(holdout: Holdout): Judge {
  const { train } = holdout;
  const history = preferenceMatrix(train.events, train.numUsers, train.numItems);
  const relevance = relevanceMatrix(holdout.test, history);
  return (recommenders) =>
    evaluateRecommenders(recommenders, history, relevance, { k: EVALUATION_K, numItems: train.numItems }).map(
      (metrics) => metrics.ndcg_at_10,
    );
}

/** Trains on `holdout.train`, evaluates on `holdout.test`; the seconds cover training only. */
export function trainAndEvaluateHoldout(
  algorithm: Algorithm,
  holdout: Holdout,
  params: AlgorithmParams,
  cap?: ListCap,
): { metrics: EvaluationMetrics; trainSeconds: number } {
  const { train } = holdout;
  const started = performance.now();
  const recommender = algorithm.load(algorithm.train(train, params));
  const trainSeconds = (performance.now() - started) / 1000;
  const history = preferenceMatrix(train.events, train.numUsers, train.numItems);
  const relevance = relevanceMatrix(holdout.test, history);
  const metrics = evaluateRecommender(recommender, history, relevance, {
    k: EVALUATION_K,
    numItems: train.numItems,
    itemFeatures: train.itemFeatures,
    cap,
  });
  return { metrics, trainSeconds };
}

/**
 * The service's protocol on its own data: a share of each user's events held out, the latest
 * (`time`, see `timeHoldout`) or a random choice (`random`). At most `maxUsers` users are
 * evaluated, an even stride through them, so evaluation cost stays bounded on large data; the
 * others keep all their events for training.
 */
export function holdoutOf(
  data: TrainingData,
  holdoutFraction: number,
  maxUsers = Infinity,
  split: HoldoutSplit = 'time',
): Holdout {
  const stride = Math.max(1, Math.ceil(data.numUsers / maxUsers));
  const evaluated = (user: number) => user % stride === 0;
  const { train, test } = (split === 'time' ? timeHoldout : randomHoldout)(data.events, holdoutFraction, evaluated);
  // "Now" for the training part is its newest event, not the full data's.
  const referenceTime = train.time.length > 0 ? train.time[train.time.length - 1] : data.referenceTime;
  return { train: { ...data, events: train, referenceTime }, test };
}

/**
 * What a production training run reports: train on the earlier part of a time holdout, evaluate
 * on each user's latest events. Pure and synchronous, for the training worker.
 */
export function trainAndEvaluate(
  algorithm: Algorithm,
  data: TrainingData,
  params: AlgorithmParams,
  holdoutFraction: number,
  maxUsers = Infinity,
): EvaluationMetrics {
  return trainAndEvaluateHoldout(algorithm, holdoutOf(data, holdoutFraction, maxUsers), params).metrics;
}
