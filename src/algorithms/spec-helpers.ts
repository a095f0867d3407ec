import assert from 'node:assert/strict';
import { decodeBundle, encodeBundle } from './artifact-codec';
import { Csr, ModelArtifact, Recommender, UserProfile } from './types';

/** Helpers the algorithm specs share: scoring a profile, reading a matrix row, comparing floats. */

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
