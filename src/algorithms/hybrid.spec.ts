import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { componentArtifact, hybrid } from './hybrid';
import { similarItems } from './item-knn';
import { unpackCsr } from './similarity';
import { AlgorithmParams, Recommender, scoresNewItems, TrainingData, UserProfile } from './types';
import { assertScores, historyEvents, roundTrip, scoresOf, trainingDataOf, userProfile } from './spec-helpers';

// Interactions (all weight 1, all now):  u0 {i0, i1, i2}   u1 {i0, i1}   u2 {i1, i2, i3}   u3 {i3, i4},
// so item_knn gives cos(0,1) = 2/√6 and cos(0,2) = 1/2 (see item-knn.spec).
// Features:  i0 {f0, f2}   i1 {f0}   i2 {f2}   i3 {f1}   i4 {f0, f1}, so content_based gives, for a
// history of i0: i0 1, i1 COMMON, i2 RARE, i4 COMMON² (see content-based.spec).
const HISTORIES = [
  [0, 1, 2],
  [0, 1],
  [1, 2, 3],
  [3, 4],
];
const FEATURES = [[0, 2], [0], [2], [1], [0, 1]];
const NUM_ITEMS = FEATURES.length;
const IDF_COMMON = Math.log(6 / 4) + 1;
const IDF_RARE = Math.log(6 / 3) + 1;
const COMMON = IDF_COMMON / Math.hypot(IDF_COMMON, IDF_RARE);
const RARE = IDF_RARE / Math.hypot(IDF_COMMON, IDF_RARE);
const NOW = 1_700_000_000;

function trainingData(): TrainingData {
  return trainingDataOf({
    numUsers: HISTORIES.length,
    numItems: NUM_ITEMS,
    events: historyEvents(HISTORIES, NOW),
    features: FEATURES,
    numFeatures: 3,
  });
}

function profile(items: number[], declaredFeatures: number[] = [], userIndex = -1): UserProfile {
  return userProfile({ items, declaredFeatures, userIndex, cityIndex: 2 });
}

function load(params: AlgorithmParams = {}): Recommender {
  return hybrid.load(hybrid.train(trainingData(), params));
}

describe(hybrid.name, { timeout: 30_000 }, () => {
  it('should blend max-normalised collaborative and content scores 0.6 / 0.4', () => {
    // cf: i1 2/√6 → 1, i2 1/2 → √6/4;  content: i0 1, i1 COMMON, i2 RARE, i4 COMMON² (max 1).
    assertScores(scoresOf(load(), profile([0]), NUM_ITEMS), [
      0.4,
      0.6 + 0.4 * COMMON,
      0.6 * (Math.sqrt(6) / 4) + 0.4 * RARE,
      -Infinity,
      0.4 * COMMON * COMMON,
    ]);
  });

  it('should give an item added after training its content part alone, on the scale of the trained items', () => {
    const recommender = load();
    assert.ok(scoresNewItems(recommender));
    // Like i4 {f0, f1}, which no one has interacted with: its blended score is 0.4 · COMMON².
    const items = recommender.encodeNewItems([Int32Array.from([0, 1]), Int32Array.from([-1])]);
    const user = profile([0]);
    const scores = new Float32Array(2).fill(-Infinity);
    recommender.scoreNewItems(user, items, scores);
    assertScores(scores, [0.4 * COMMON * COMMON, -Infinity]);
    assert.deepEqual(recommender.explainNewItem(user, items, 0), { kind: 'feature', feature: 0 });
    // Nothing known of the user: popularity serves them, and it knows nothing of new items.
    const stranger = new Float32Array(2).fill(-Infinity);
    recommender.scoreNewItems(profile([]), items, stranger);
    assertScores(stranger, [-Infinity, -Infinity]);
  });

  it('should explain an item by the component contributing most to it', () => {
    const recommender = load();
    const user = profile([0]);
    assert.deepEqual(recommender.explain(user, 1), { kind: 'similar_item', item: 0 }); // 0.6 vs 0.4 · COMMON
    assert.deepEqual(recommender.explain(user, 4), { kind: 'feature', feature: 0 }); // content only
    assert.deepEqual(recommender.explain(user, 0), { kind: 'feature', feature: 2 }); // content only
  });

  it('should fall back to content alone for a user without collaborative signal', () => {
    const recommender = load();
    const user = profile([], [1]);
    assertScores(scoresOf(recommender, user, NUM_ITEMS), [-Infinity, -Infinity, -Infinity, 1, RARE]);
    assert.deepEqual(recommender.explain(user, 3), { kind: 'feature', feature: 1 });
  });

  it('should fall back to popularity for an empty profile', () => {
    const recommender = load();
    const user = profile([]);
    // Interaction counts 2, 3, 2, 2, 1, over the maximum.
    assertScores(scoresOf(recommender, user, NUM_ITEMS), [2 / 3, 1, 2 / 3, 2 / 3, 1 / 3]);
    assert.deepEqual(recommender.explain(user, 1), { kind: 'popular', city: 2 });
  });

  it('should explain a profile other than the one scored last from that profile’s own scores', () => {
    const recommender = load();
    scoresOf(recommender, profile([]), NUM_ITEMS);
    assert.deepEqual(recommender.explain(profile([0]), 1), { kind: 'similar_item', item: 0 });
  });

  it('should use user-based collaborative filtering when `collaborative` says so', () => {
    const artifact = hybrid.train(trainingData(), { collaborative: 'collaborative_filtering' });
    assert.equal(componentArtifact(artifact, 'cf').algorithm, 'collaborative_filtering');
    // u1's neighbours reach i3, which shares no feature with u1's history.
    const recommender = hybrid.load(artifact);
    assert.deepEqual(recommender.explain(profile([0, 1], [], 1), 3), { kind: 'similar_users' });
    assert.equal(similarItems(recommender, 1, 3), undefined);
  });

  it('should store every component under its prefix and pass prefixed params to it', () => {
    const artifact = hybrid.train(trainingData(), { 'cf.neighbours': 1, 'pop.half_life_days': 3 });
    assert.deepEqual(
      new Set(Object.keys(artifact.arrays).map((name) => name.split('.')[0])),
      new Set(['cf', 'content', 'pop']),
    );
    const cf = componentArtifact(artifact, 'cf');
    assert.equal(cf.params.neighbours, 1);
    assert.equal(componentArtifact(artifact, 'pop').params.half_life_days, 3);
    const similar = unpackCsr(cf.arrays, 'similar', NUM_ITEMS);
    assert.equal(similar.indptr[2] - similar.indptr[1], 1);
  });

  it('should offer the item_knn component’s similar items', () => {
    assert.deepEqual(
      similarItems(load(), 1, 2)?.map((s) => s.item),
      [0, 2],
    );
  });

  it('should reject an unknown collaborative algorithm and all-zero weights', () => {
    assert.throws(() => hybrid.train(trainingData(), { collaborative: 'content_based' }), RangeError);
    assert.throws(() => hybrid.train(trainingData(), { collaborative_weight: 0, content_weight: 0 }), RangeError);
  });

  it('should blend matrix factorization as its collaborative part when asked', () => {
    const loaded = hybrid.load(
      roundTrip(hybrid.train(trainingData(), { collaborative: 'matrix_factorization', 'cf.factors': 2 })),
    );
    const scores = new Float32Array(NUM_ITEMS).fill(-Infinity);
    loaded.score(profile([0]), scores);
    assert.ok(scores.some(Number.isFinite));
  });

  it('should serve the same scores from an artifact that went through the codec', () => {
    const artifact = hybrid.train(trainingData(), {});
    const loaded = hybrid.load(roundTrip(artifact));
    for (const user of [profile([0]), profile([], [1]), profile([])]) {
      assert.deepEqual(scoresOf(loaded, user, NUM_ITEMS), scoresOf(hybrid.load(artifact), user, NUM_ITEMS));
    }
  });
});
