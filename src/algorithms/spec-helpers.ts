import assert from 'node:assert/strict';
import { decodeBundle, encodeBundle } from './artifact-codec';
import { buildCsr } from './sparse';
import { Csr, ModelArtifact, Recommender, TrainingData, UserProfile } from './types';

/** Helpers the algorithm specs share: small data sets and profiles, scoring, matrix rows, float comparisons. */

export type Event = [user: number, item: number, weight: number, time: number];

/** Each user's history as events of weight 1, all at `time`. */
export function historyEvents(histories: number[][], time: number): Event[] {
  return histories.flatMap((items, user) => items.map((item): Event => [user, item, 1, time]));
}

/** Training data from events and each item's feature list (none by default), no cities. */
export function trainingDataOf(options: {
  numUsers: number;
  numItems: number;
  events: Event[];
  features?: number[][];
  numFeatures?: number;
  referenceTime?: number;
}): TrainingData {
  const { numUsers, numItems, events, features = [], numFeatures = 0 } = options;
  const pairs = features.flatMap((list, item) => list.map((feature) => [item, feature]));
  return {
    numUsers,
    numItems,
    events: {
      user: Int32Array.from(events, ([user]) => user),
      item: Int32Array.from(events, ([, item]) => item),
      weight: Float32Array.from(events, ([, , weight]) => weight),
      time: Float64Array.from(events, ([, , , time]) => time),
    },
    itemFeatures: buildCsr(
      numItems,
      numFeatures,
      Int32Array.from(pairs, ([item]) => item),
      Int32Array.from(pairs, ([, feature]) => feature),
      new Float32Array(pairs.length).fill(1),
    ),
    itemCity: new Int32Array(numItems).fill(-1),
    referenceTime: options.referenceTime ?? Math.max(...events.map(([, , , time]) => time)),
  };
}

/** A user as serving hands them to a recommender: unknown (-1), weight 1 per item and no city unless told. */
export function userProfile(options: {
  items?: number[];
  weights?: number[];
  userIndex?: number;
  declaredFeatures?: number[];
  cityIndex?: number;
}): UserProfile {
  const { items = [], userIndex = -1, declaredFeatures = [], cityIndex = -1 } = options;
  return {
    userIndex,
    items: Int32Array.from(items),
    weights: options.weights ? Float32Array.from(options.weights) : new Float32Array(items.length).fill(1),
    declaredFeatures: Int32Array.from(declaredFeatures),
    cityIndex,
  };
}

/** The artifact as a replica loads it: arrays through the bundle codec, meta through its JSON header. */
export function roundTrip(artifact: ModelArtifact): ModelArtifact {
  const decoded = decodeBundle(encodeBundle({ header: { meta: artifact.meta }, arrays: artifact.arrays }));
  return { ...artifact, arrays: decoded.arrays, meta: decoded.header.meta as Record<string, unknown> };
}

/** Every item's score for the user; -Infinity where the recommender leaves an item out. */
export function scoresOf(recommender: Recommender, user: UserProfile, numItems: number): number[] {
  const scores = new Float32Array(numItems).fill(-Infinity);
  recommender.score(user, scores);
  return [...scores];
}

/** Row `r` of a CSR matrix as column → value. */
export function row(m: Csr, r: number): Map<number, number> {
  const entries = new Map<number, number>();
  for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) entries.set(m.indices[k], m.values[k]);
  return entries;
}

export function assertClose(actual: number, expected: number, tolerance = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
}

/** Exactly the expected columns, in order, each with its value within 1e-6. */
export function assertRow(actual: Map<number, number>, expected: Record<number, number>): void {
  assert.deepEqual([...actual.keys()], Object.keys(expected).map(Number));
  for (const [column, value] of Object.entries(expected)) assertClose(actual.get(Number(column)) ?? NaN, value);
}

/** One score per expected item, each within 1e-6 or both -Infinity (item left out). */
export function assertScores(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  assert.ok(expected.length > 0, 'no scores expected: the comparison would pass vacuously');
  assert.equal(actual.length, expected.length, `${actual.length} scores for ${expected.length} items`);
  for (let item = 0; item < expected.length; item++) {
    if (expected[item] === -Infinity) assert.equal(actual[item], -Infinity, `item ${item}`);
    else assertClose(actual[item], expected[item]);
  }
}
