import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { itemKnn, similarItems } from './item-knn';
import { unpackCsr } from './similarity';
import { AlgorithmParams, Csr, Recommender, TrainingData, UserProfile } from './types';
import {
  assertClose,
  assertRow,
  Event,
  historyEvents,
  roundTrip,
  row,
  scoresOf,
  trainingDataOf,
  userProfile,
} from './spec-helpers';

// Users × items, every cell 1:  u0 {i0, i1, i2}   u1 {i0, i1}   u2 {i1, i2, i3}   u3 {i3, i4}.
// Item columns i0 {u0, u1}  i1 {u0, u1, u2}  i2 {u0, u2}  i3 {u2, u3}  i4 {u3}, so by hand:
// cos(0,1) = 2/√6   cos(0,2) = 1/2   cos(1,2) = 2/√6   cos(1,3) = 1/√6   cos(2,3) = 1/2   cos(3,4) = 1/√2,
// and every other pair 0.
const HISTORIES = [
  [0, 1, 2],
  [0, 1],
  [1, 2, 3],
  [3, 4],
];
const NUM_ITEMS = 5;

function trainingData(extra: Array<[user: number, item: number, weight: number]> = []): TrainingData {
  const events = [
    ...historyEvents(HISTORIES, 1_000),
    ...extra.map(([user, item, weight]): Event => [user, item, weight, 1_000]),
  ];
  return trainingDataOf({ numUsers: HISTORIES.length, numItems: NUM_ITEMS, events });
}

function profile(items: number[], weights?: number[]): UserProfile {
  return userProfile({ items, weights });
}

function similarities(params: AlgorithmParams = {}, extra?: Array<[number, number, number]>): Csr {
  return unpackCsr(itemKnn.train(trainingData(extra), params).arrays, 'similar', NUM_ITEMS);
}

describe(itemKnn.name, { timeout: 30_000 }, () => {
  it('should store the hand-computed cosine similarities, never an item with itself', () => {
    const similar = similarities();
    assertRow(row(similar, 0), { 1: 2 / Math.sqrt(6), 2: 0.5 });
    assertRow(row(similar, 1), { 0: 2 / Math.sqrt(6), 2: 2 / Math.sqrt(6), 3: 1 / Math.sqrt(6) });
    assertRow(row(similar, 3), { 1: 1 / Math.sqrt(6), 2: 0.5, 4: 1 / Math.sqrt(2) });
    assertRow(row(similar, 4), { 3: 1 / Math.sqrt(2) });
  });

  it('should rank the item most similar to the history first and leave unreached items unscored', () => {
    const scores = scoresOf(itemKnn.load(itemKnn.train(trainingData(), {})), profile([0]), NUM_ITEMS);
    assertClose(scores[1], 2 / Math.sqrt(6));
    assertClose(scores[2], 0.5);
    assert.equal(scores[3], -Infinity);
    assert.equal(scores[4], -Infinity);
  });

  it('should weight each history item’s similarities by its preference weight', () => {
    const scores = scoresOf(itemKnn.load(itemKnn.train(trainingData(), {})), profile([0, 3], [1, 2]), NUM_ITEMS);
    assertClose(scores[1], 2 / Math.sqrt(6) + 2 / Math.sqrt(6));
    assertClose(scores[2], 0.5 + 2 * 0.5);
    assertClose(scores[4], 2 / Math.sqrt(2));
  });

  it('should explain an item by the history item contributing most to it', () => {
    const recommender = itemKnn.load(itemKnn.train(trainingData(), {}));
    const user = profile([0, 3], [1, 2]);
    assert.deepEqual(recommender.explain(user, 2), { kind: 'similar_item', item: 3 }); // 1·0.5 < 2·0.5
    assert.deepEqual(recommender.explain(user, 4), { kind: 'similar_item', item: 3 }); // i0 does not reach i4
    assert.deepEqual(recommender.explain(profile([0, 3]), 1), { kind: 'similar_item', item: 0 }); // 2/√6 > 1/√6
  });

  it('should keep only the top `neighbours` per item, ties to the lower index', () => {
    const similar = similarities({ neighbours: 1 });
    assertRow(row(similar, 1), { 0: 2 / Math.sqrt(6) });
    assertRow(row(similar, 3), { 4: 1 / Math.sqrt(2) });
  });

  it('should drop neighbours below `min_similarity`', () => {
    const similar = similarities({ min_similarity: 0.6 });
    assertRow(row(similar, 1), { 0: 2 / Math.sqrt(6), 2: 2 / Math.sqrt(6) });
    assertRow(row(similar, 0), { 1: 2 / Math.sqrt(6) });
  });

  it('should add `shrinkage` to the cosine denominator', () => {
    assertClose(row(similarities({ shrinkage: 1 }), 0).get(1) ?? NaN, 2 / (Math.sqrt(6) + 1));
  });

  it('should ignore a preference that a hide cancels', () => {
    // u1 hides i0: i0's column becomes {u0}, so cos(0,1) = 1/√3 and cos(0,2) = 1/√2.
    assertRow(row(similarities({}, [[1, 0, -1]]), 0), { 1: 1 / Math.sqrt(3), 2: 1 / Math.sqrt(2) });
  });

  it('should list similar items best first, ties to the lower index', () => {
    const recommender = itemKnn.load(itemKnn.train(trainingData(), {}));
    const found = similarItems(recommender, 1, 2) ?? [];
    assert.deepEqual(
      found.map((s) => s.item),
      [0, 2],
    );
    assertClose(found[0].similarity, 2 / Math.sqrt(6));
    assert.deepEqual(
      similarItems(recommender, 1, 10)?.map((s) => s.item),
      [0, 2, 3],
    );
    assert.deepEqual(similarItems(recommender, 99, 3), []);
  });

  it('should report no similar items for a recommender without item similarity', () => {
    const other: Recommender = { algorithm: 'popularity', score: () => undefined, explain: () => ({ kind: 'taste' }) };
    assert.equal(similarItems(other, 1, 3), undefined);
  });

  it('should serve the same scores from an artifact that went through the codec', () => {
    const artifact = itemKnn.train(trainingData(), {});
    const user = profile([0, 3], [1, 2]);
    assert.deepEqual(
      scoresOf(itemKnn.load(roundTrip(artifact)), user, NUM_ITEMS),
      scoresOf(itemKnn.load(artifact), user, NUM_ITEMS),
    );
  });
});
