import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { contentBased } from './content-based';
import { float32Array } from './similarity';
import { AlgorithmParams, Recommender, scoresNewItems, TrainingData, UserProfile } from './types';
import { assertClose, roundTrip, scoresOf, trainingDataOf, userProfile } from './spec-helpers';

// Items × features:  i0 {f0, f2}   i1 {f0}   i2 {f2}   i3 {f1}   i4 {f0, f1};  f3 belongs to no item.
// N = 5, df = 3, 2, 2, 0, so the smoothed IDF ln((1 + N) / (1 + df)) + 1 is
// f0: ln(6/4) + 1 ≈ 1.405465 (common)   f1, f2: ln(6/3) + 1 ≈ 1.693147 (rarer)   f3: ln 6 + 1.
const FEATURES = [[0, 2], [0], [2], [1], [0, 1]];
const NUM_ITEMS = FEATURES.length;
const IDF = [Math.log(6 / 4) + 1, Math.log(6 / 3) + 1, Math.log(6 / 3) + 1, Math.log(6) + 1];
// i0 and i4 as unit vectors: (idf_common, idf_rare) / √(idf_common² + idf_rare²).
const PAIR_NORM = Math.hypot(IDF[0], IDF[1]);
const COMMON = IDF[0] / PAIR_NORM; // ≈ 0.638710
const RARE = IDF[1] / PAIR_NORM; // ≈ 0.769452

function trainingData(): TrainingData {
  // Only i0 has ever been interacted with: every other item is new to feedback.
  return trainingDataOf({
    numUsers: 1,
    numItems: NUM_ITEMS,
    events: [[0, 0, 1, 1_000]],
    features: FEATURES,
    numFeatures: IDF.length,
  });
}

function profile(items: number[], declaredFeatures: number[] = []): UserProfile {
  return userProfile({ items, declaredFeatures });
}

function load(params: AlgorithmParams = {}): Recommender {
  return contentBased.load(contentBased.train(trainingData(), params));
}

describe(contentBased.name, { timeout: 30_000 }, () => {
  it('should store the smoothed inverse document frequency of every feature', () => {
    const idf = float32Array(contentBased.train(trainingData(), {}).arrays, 'idf');
    IDF.forEach((expected, feature) => assertClose(idf[feature], expected));
  });

  it('should rank an item sharing a rarer feature above one sharing a common feature', () => {
    const scores = scoresOf(load(), profile([0]), NUM_ITEMS);
    assertClose(scores[2], RARE); // shares the rarer f2
    assertClose(scores[1], COMMON); // shares the common f0
    assertClose(scores[4], COMMON * COMMON);
    assertClose(scores[0], 1);
    assert.ok(scores[2] > scores[1]);
  });

  it('should score items nobody has interacted with and leave items sharing no feature unscored', () => {
    const scores = scoresOf(load(), profile([0]), NUM_ITEMS);
    assert.ok(Number.isFinite(scores[1]) && Number.isFinite(scores[2]) && Number.isFinite(scores[4]));
    assert.equal(scores[3], -Infinity);
  });

  it('should score an item added after training as if it had been trained with it', () => {
    const recommender = load();
    assert.ok(scoresNewItems(recommender));
    // Like i4 {f0, f1}; f0 plus a feature no trained item has (IDF of a feature of none, ln 6 + 1); nothing known.
    const items = recommender.encodeNewItems([
      Int32Array.from([0, 1]),
      Int32Array.from([0, -1]),
      Int32Array.from([-1]),
    ]);
    const user = profile([0]);
    const scores = new Float32Array(3).fill(-Infinity);
    recommender.scoreNewItems(user, items, scores);
    assertClose(scores[0], scoresOf(recommender, user, NUM_ITEMS)[4]);
    assertClose(scores[0], COMMON * COMMON);
    assertClose(scores[1], COMMON * (IDF[0] / Math.hypot(IDF[0], IDF[3])));
    assert.equal(scores[2], -Infinity);
    assert.deepEqual(recommender.explainNewItem(user, items, 1), { kind: 'feature', feature: 0 });
  });

  it('should score a user without history from their declared features', () => {
    const scores = scoresOf(load(), profile([], [1]), NUM_ITEMS);
    assertClose(scores[3], 1);
    assertClose(scores[4], RARE);
    assert.equal(scores[0], -Infinity);
  });

  it('should add each declared feature to the taste with `declared_weight` × IDF', () => {
    // History i1 = (f0: 1) plus declared f1 at 2 × idf1: taste (1, 2·idf1).
    const taste = Math.hypot(1, 2 * IDF[1]);
    const scores = scoresOf(load({ declared_weight: 2 }), profile([1], [1]), NUM_ITEMS);
    assertClose(scores[1], 1 / taste);
    assertClose(scores[3], (2 * IDF[1]) / taste);
    assertClose(scores[4], (COMMON + 2 * IDF[1] * RARE) / taste);
  });

  it('should ignore declared features when `declared_weight` is 0, and unknown or repeated ones always', () => {
    assert.equal(scoresOf(load({ declared_weight: 0 }), profile([1], [1]), NUM_ITEMS)[3], -Infinity);
    assert.deepEqual(
      scoresOf(load(), profile([], [1, 1, 99]), NUM_ITEMS),
      scoresOf(load(), profile([], [1]), NUM_ITEMS),
    );
  });

  it('should explain an item by the feature contributing most to its score', () => {
    const recommender = load();
    assert.deepEqual(recommender.explain(profile([0]), 0), { kind: 'feature', feature: 2 }); // RARE² > COMMON²
    assert.deepEqual(recommender.explain(profile([0]), 4), { kind: 'feature', feature: 0 });
    assert.deepEqual(recommender.explain(profile([1], [1]), 4), { kind: 'feature', feature: 1 }); // idf1·RARE > 1·COMMON
  });

  it('should serve the same scores from an artifact that went through the codec', () => {
    const artifact = contentBased.train(trainingData(), {});
    const user = profile([0], [1]);
    assert.deepEqual(
      scoresOf(contentBased.load(roundTrip(artifact)), user, NUM_ITEMS),
      scoresOf(contentBased.load(artifact), user, NUM_ITEMS),
    );
  });
});
