import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { unpackCsr } from './similarity';
import { AlgorithmParams, Csr, Recommender, TrainingData, UserProfile } from './types';
import { collaborativeFiltering } from './user-knn';
import {
  assertClose,
  assertRow,
  historyEvents,
  roundTrip,
  row,
  scoresOf,
  trainingDataOf,
  userProfile,
} from './spec-helpers';

// Users × items, every cell 1:  u0 {i0, i1, i2}   u1 {i0, i1}   u2 {i1, i2, i3}   u3 {i3, i4}.
// User norms √3, √2, √3, √2, so by hand:
// cos(u0,u1) = 2/√6   cos(u0,u2) = 2/3   cos(u1,u2) = 1/√6   cos(u2,u3) = 1/√6, the other pairs 0.
const HISTORIES = [
  [0, 1, 2],
  [0, 1],
  [1, 2, 3],
  [3, 4],
];
const NUM_ITEMS = 5;

function trainingData(): TrainingData {
  return trainingDataOf({ numUsers: HISTORIES.length, numItems: NUM_ITEMS, events: historyEvents(HISTORIES, 1_000) });
}

function profile(userIndex: number, items: number[]): UserProfile {
  return userProfile({ userIndex, items });
}

function load(params: AlgorithmParams = {}): Recommender {
  return collaborativeFiltering.load(collaborativeFiltering.train(trainingData(), params));
}

function neighbours(params: AlgorithmParams = {}): Csr {
  return unpackCsr(collaborativeFiltering.train(trainingData(), params).arrays, 'neighbours', HISTORIES.length);
}

describe(collaborativeFiltering.name, { timeout: 30_000 }, () => {
  it('should store each user’s hand-computed cosine neighbours, never the user itself', () => {
    const stored = neighbours();
    assertRow(row(stored, 0), { 1: 2 / Math.sqrt(6), 2: 2 / 3 });
    assertRow(row(stored, 1), { 0: 2 / Math.sqrt(6), 2: 1 / Math.sqrt(6) });
    assertRow(row(stored, 3), { 2: 1 / Math.sqrt(6) });
  });

  it('should score a known user by neighbour similarity times neighbour preference', () => {
    // u1's neighbours: u0 (2/√6) with {i0, i1, i2} and u2 (1/√6) with {i1, i2, i3}.
    const scores = scoresOf(load(), profile(1, [0, 1]), NUM_ITEMS);
    assertClose(scores[2], 3 / Math.sqrt(6));
    assertClose(scores[3], 1 / Math.sqrt(6));
    assertClose(scores[0], 2 / Math.sqrt(6));
    assert.equal(scores[4], -Infinity);
  });

  it('should drop neighbours below `min_similarity`', () => {
    assertRow(row(neighbours({ min_similarity: 0.5 }), 1), { 0: 2 / Math.sqrt(6) });
    assert.equal(scoresOf(load({ min_similarity: 0.5 }), profile(1, [0, 1]), NUM_ITEMS)[3], -Infinity);
  });

  it('should keep only the top `neighbours`', () => {
    assertRow(row(neighbours({ neighbours: 1 }), 0), { 1: 2 / Math.sqrt(6) });
  });

  it('should find neighbours on the fly for a user the model has not seen', () => {
    // {i3, i4} against u3 {i3, i4}: 2/(√2·√2) = 1; against u2: 1/(√2·√3) = 1/√6.
    const scores = scoresOf(load(), profile(-1, [3, 4]), NUM_ITEMS);
    assertClose(scores[4], 1);
    assertClose(scores[3], 1 + 1 / Math.sqrt(6));
    assertClose(scores[1], 1 / Math.sqrt(6));
    assert.equal(scores[0], -Infinity);
  });

  it('should recompute a known user’s neighbours when their history has changed since training', () => {
    // u1 now also has i3: u0 2/3, u2 2/3, u3 1/√6 — and u3 brings i4, which the stored
    // neighbours (u0, u2) never reach.
    const scores = scoresOf(load(), profile(1, [0, 1, 3]), NUM_ITEMS);
    assertClose(scores[4], 1 / Math.sqrt(6));
    assertClose(scores[2], 4 / 3);
  });

  it('should bound each item’s users by `max_item_users`, sampled evenly', () => {
    // i1's users u0, u1, u2 are sampled down to u0, u1, so u0 meets u2 only through i2: 1/(√3·√3).
    assertRow(row(neighbours({ max_item_users: 2 }), 0), { 1: 2 / Math.sqrt(6), 2: 1 / 3 });
  });

  it('should score nothing for an unknown user without history', () => {
    assert.ok(scoresOf(load(), profile(-1, []), NUM_ITEMS).every((score) => score === -Infinity));
  });

  it('should explain every item by similar users', () => {
    assert.deepEqual(load().explain(profile(1, [0, 1]), 2), { kind: 'similar_users' });
  });

  it('should serve the same scores from an artifact that went through the codec', () => {
    const artifact = collaborativeFiltering.train(trainingData(), {});
    const loaded = collaborativeFiltering.load(roundTrip(artifact));
    for (const user of [profile(1, [0, 1]), profile(-1, [3, 4])]) {
      assert.deepEqual(
        scoresOf(loaded, user, NUM_ITEMS),
        scoresOf(collaborativeFiltering.load(artifact), user, NUM_ITEMS),
      );
    }
  });
});
