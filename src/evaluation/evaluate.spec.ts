import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ease } from '../algorithms/ease';
import { matrixFactorization } from '../algorithms/matrix-factorization';
import { buildCsr } from '../algorithms/sparse';
import { EventLog, Recommender, TrainingData } from '../algorithms/types';
import { Holdout, evaluateRecommender, relevanceMatrix, trainAndEvaluate, trainAndEvaluateHoldout } from './evaluate';
import { loadMovieLens, movieLensTrainingData, ratingEvents } from './movielens';
import { sharedDataDir } from './shared-data';
import { stratifiedSplitByItem } from './split';

const ML_100K = sharedDataDir('ml-100k');
const noMl100k = existsSync(join(ML_100K, 'u.data')) ? false : 'no MovieLens data at ../shared/data/ml-100k';

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-4, `${actual} ≉ ${expected}`);

function csr(rows: number, cols: number, cells: [row: number, col: number][]) {
  const ones = new Float32Array(cells.length).fill(1);
  return buildCsr(
    rows,
    cols,
    Int32Array.from(cells, (c) => c[0]),
    Int32Array.from(cells, (c) => c[1]),
    ones,
  );
}

/** Ranks items by index, lowest first, for everyone. */
const byIndex: Recommender = {
  algorithm: 'popularity',
  score: (_profile, scores) => scores.forEach((_, item) => (scores[item] = scores.length - item)),
  explain: () => ({ kind: 'taste' }),
};

describe('evaluateRecommender', { timeout: 300_000 }, () => {
  it('should rank without training items and average over users with relevant items', () => {
    const train = csr(3, 5, [[0, 0]]);
    const test = csr(3, 5, [
      [0, 1],
      [0, 4],
      [1, 0],
    ]);
    const metrics = evaluateRecommender(byIndex, train, test, { k: 10, numItems: 5 });
    // User 0 gets 1, 2, 3, 4 (hits at ranks 1 and 4); user 1 gets 0..4 (hit at rank 1); user 2 has no test items.
    assert.equal(metrics.users_evaluated, 2);
    close(metrics.precision_at_10, (0.2 + 0.1) / 2);
    close(metrics.recall_at_10, 1);
    close(metrics.ndcg_at_10, ((1 + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3)) + 1) / 2);
    close(metrics.map_at_10, ((1 + 2 / 4) / 2 + 1) / 2);
    close(metrics.coverage, 1);
  });

  it('should drop held-out items the user already has in training', () => {
    const test: EventLog = {
      user: Int32Array.of(0, 0, 1),
      item: Int32Array.of(0, 2, 0),
      weight: Float32Array.of(1, 1, 1),
      time: Float64Array.of(1, 2, 3),
    };
    const relevance = relevanceMatrix(test, csr(2, 3, [[0, 0]]));
    assert.deepEqual([...relevance.indptr], [0, 1, 2]);
    assert.deepEqual([...relevance.indices], [2, 0]);
  });
});

/** Two taste groups: users 0-5 watch items 0-5 and users 6-11 items 6-11, a few at a time. */
function blockData(): TrainingData {
  const user: number[] = [];
  const item: number[] = [];
  for (let u = 0; u < 12; u++) {
    const base = u < 6 ? 0 : 6;
    for (let t = 0; t < 4; t++) {
      user.push(u);
      item.push(base + ((u + t) % 6));
    }
  }
  return {
    numUsers: 12,
    numItems: 12,
    events: {
      user: Int32Array.from(user),
      item: Int32Array.from(item),
      weight: new Float32Array(user.length).fill(1),
      time: Float64Array.from(user, (_, t) => t),
    },
    itemFeatures: csr(12, 0, []),
    itemCity: new Int32Array(12).fill(-1),
    referenceTime: user.length,
  };
}

describe('trainAndEvaluate', { timeout: 300_000 }, () => {
  it("should train on the earlier events and find each user's held-out items in their group", () => {
    const metrics = trainAndEvaluate(ease, blockData(), { lambda: 1 }, 0.25);
    assert.equal(metrics.users_evaluated, 12);
    // Three unseen items in the user's group: a held-out item ranked within them scores ≥ 1/log2(4).
    assert.ok(metrics.ndcg_at_10 >= 0.5, `ndcg ${metrics.ndcg_at_10}`);
  });

  describe('on ML-100K under the MS Recommenders protocol', { skip: noMl100k }, () => {
    let holdout: Holdout;
    before(() => {
      const movies = loadMovieLens(ML_100K);
      const split = stratifiedSplitByItem(movies.ratings.item, 0.75, 42);
      holdout = {
        train: movieLensTrainingData(movies, split.train, 'binary'),
        test: ratingEvents(movies, split.test, 'binary'),
      };
    });

    it('should pass the published BiVAE NDCG@10 with EASE', () => {
      const { metrics } = trainAndEvaluateHoldout(ease, holdout, ease.defaults);
      assert.equal(metrics.users_evaluated, 943);
      assert.ok(metrics.ndcg_at_10 > 0.469, `ndcg ${metrics.ndcg_at_10}`);
    });

    it('should pass the published BPR NDCG@10 with ALS', () => {
      const { metrics } = trainAndEvaluateHoldout(matrixFactorization, holdout, matrixFactorization.defaults);
      assert.ok(metrics.ndcg_at_10 > 0.445, `ndcg ${metrics.ndcg_at_10}`);
    });
  });
});
