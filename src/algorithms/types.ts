/**
 * The contract between the data layer, the training workers and the serving path.
 * Everything here is plain data (typed arrays and numbers), so it crosses a worker boundary
 * by transfer rather than by copying objects, and no algorithm imports Nest or knex.
 */

import { DataShape, ParamSchema } from './params';

export const ALGORITHMS = [
  'popularity',
  'collaborative_filtering',
  'item_knn',
  'content_based',
  'matrix_factorization',
  'ease',
  'hybrid',
] as const;

export type AlgorithmName = (typeof ALGORITHMS)[number];

export type NumericArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/** Compressed sparse rows: row r holds `indices/values[indptr[r] .. indptr[r + 1])`, columns ascending. */
export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** Feedback events, one entry per event, in time order (the training worker establishes the order). */
export interface EventLog {
  user: Int32Array;
  item: Int32Array;
  /** The configured weight of the event's action: positive for save/like, negative for hide/dislike/skip. */
  weight: Float32Array;
  /** Seconds since the Unix epoch. */
  time: Float64Array;
}

/**
 * What a training run sees, dictionary-encoded to dense indices on the main thread.
 * Items cover the whole live catalogue, including items that nobody has interacted with yet,
 * so content-based scoring reaches them.
 */
export interface TrainingData {
  numUsers: number;
  numItems: number;
  events: EventLog;
  /** items × content features (genre, artist, venue, tag), value 1 where the item has the feature. */
  itemFeatures: Csr;
  /** City index per item, -1 when the item has none. */
  itemCity: Int32Array;
  /** Seconds since the epoch that time decay is measured from (the newest event, or "now"). */
  referenceTime: number;
}

export type ParamValue = number | string | boolean;
export type AlgorithmParams = Record<string, ParamValue>;

/** A trained model: compact typed arrays plus small JSON-able facts, serialised by artifact-codec. */
export interface ModelArtifact {
  algorithm: AlgorithmName;
  params: AlgorithmParams;
  numUsers: number;
  numItems: number;
  arrays: Record<string, NumericArray>;
  meta: Record<string, unknown>;
}

/** The user a recommendation is for, in the model's index space. */
export interface UserProfile {
  /** Dense user index in the training data, or -1 for a user the model has not seen. */
  userIndex: number;
  /** Items with positive preference (snapshot plus fresh feedback) and their summed weights. */
  items: Int32Array;
  weights: Float32Array;
  /** Content features the user declared or the request supplied (context.user_preferences). */
  declaredFeatures: Int32Array;
  /** City index, -1 when unknown. */
  cityIndex: number;
}

/** The single strongest piece of evidence behind one recommended item. */
export type Evidence =
  | { kind: 'similar_item'; item: number }
  | { kind: 'similar_users' }
  | { kind: 'feature'; feature: number }
  | { kind: 'popular'; city: number }
  | { kind: 'taste' };

export interface Recommender {
  readonly algorithm: AlgorithmName;
  /**
   * Writes a score for every item the model has evidence for into `scores` (length numItems),
   * which the caller pre-fills with -Infinity; higher is better. Must not scan all users.
   */
  score(profile: UserProfile, scores: Float32Array): void;
  /** Why `item` was scored for this user. */
  explain(profile: UserProfile, item: number): Evidence;
}

/**
 * A model that can score items it was trained without, from their content features: items added
 * to the catalogue after the last training run (item cold start).
 */
export interface NewItemScorer {
  /**
   * The model's vectors for new items, each given as indices into the model's feature dictionary
   * (-1 for a feature no trained item has). Computed once per catalogue change, not per request.
   */
  encodeNewItems(features: readonly Int32Array[]): Csr;
  /** Like `score`, for the rows of `items` (scores has one entry per row, pre-filled with -Infinity). */
  scoreNewItems(profile: UserProfile, items: Csr, scores: Float32Array): void;
  explainNewItem(profile: UserProfile, items: Csr, row: number): Evidence;
}

export function scoresNewItems(recommender: Recommender): recommender is Recommender & NewItemScorer {
  return 'scoreNewItems' in recommender && typeof recommender.scoreNewItems === 'function';
}

/** One configuration tried on the validation split, and how it scored there. */
export interface Trial {
  params: AlgorithmParams;
  ndcg_at_10: number;
}

/** Params chosen on the validation split, with the trials that chose them. */
export interface Learned {
  params: AlgorithmParams;
  trials: Trial[];
}

/**
 * NDCG@10 of each recommender on the validation users. Users are taken one at a time, every
 * recommender scoring the same profile object in turn, so recommenders that share a per-profile
 * cache (see `lastOnly`) compute their common parts once per user.
 */
export type Judge = (recommenders: Recommender[]) => number[];

export interface Algorithm {
  readonly name: AlgorithmName;
  /** Every parameter the algorithm reads: type, range, default and meaning. */
  readonly params: ParamSchema;
  /** The schema's defaults. */
  readonly defaults: AlgorithmParams;
  /** Sub-models whose parameters it takes under a prefix (hybrid's `cf.neighbours`), as chosen by `params`. */
  readonly components?: (params: Record<string, unknown>) => Record<string, Algorithm>;
  /** Peak bytes its training adds to every run's (see estimateTrainingBytes); `params` include the defaults. */
  estimateBytes(shape: DataShape, params: AlgorithmParams): number;
  /** A few values per parameter, searched one parameter at a time when `tune` is true (evaluation/choose.ts). */
  readonly tuning?: Record<string, readonly ParamValue[]>;
  /**
   * Params it learns at every run (hybrid's parts and weights, popularity's half-life): from the
   * training part of a validation split and a judge of recommenders on its held-out part.
   * Undefined when `params` leave nothing to learn. Pure and synchronous, like `train`.
   */
  learn?(train: TrainingData, params: AlgorithmParams, judge: Judge): Learned | undefined;
  /** Pure and synchronous: runs inside a worker thread. */
  train(data: TrainingData, params: AlgorithmParams): ModelArtifact;
  /** Cheap: wraps the artifact's arrays for serving, no heavy computation. */
  load(artifact: ModelArtifact): Recommender;
}
