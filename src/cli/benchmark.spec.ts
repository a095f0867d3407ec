import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ALGORITHM_REGISTRY } from '../algorithms/registry';
import { ALGORITHMS, AlgorithmName, EventLog, TrainingData } from '../algorithms/types';
import { RATING_SPREAD } from '../domain/signal';
import { defaultModel } from '../model-registry/default-model';
import { loadMovieLens } from '../evaluation/movielens';
import { sharedDataDir } from '../evaluation/shared-data';
import { evaluateOne, protocolData } from './benchmark';

const ML_100K = sharedDataDir('ml-100k');
const noMl100k = existsSync(join(ML_100K, 'u.data')) ? false : 'no MovieLens data at ../shared/data/ml-100k';

/**
 * README Accuracy, as `npm run evaluate -- --data ../shared/data/ml-100k` prints it: every
 * algorithm with default settings on ML-100K as the importer stores it, MS Recommenders' split.
 * `valid` is the run's own holdout (carved from the training rows), `test` the test rows.
 */
const PINNED: Record<AlgorithmName, { valid: number; test: number }> = {
  popularity: { valid: 0.1328, test: 0.2524 },
  collaborative_filtering: { valid: 0.2147, test: 0.4397 },
  item_knn: { valid: 0.1918, test: 0.3898 },
  content_based: { valid: 0.0215, test: 0.0376 },
  matrix_factorization: { valid: 0.2328, test: 0.491 },
  ease: { valid: 0.2319, test: 0.4806 },
  hybrid: { valid: 0.2338, test: 0.4914 },
};

describe('the ML-100K benchmark through the import path', { skip: noMl100k, timeout: 1_800_000 }, () => {
  const figures = new Map<AlgorithmName, { valid: number; test: number }>();
  let train: TrainingData;
  let test: EventLog;
  before(() => {
    ({ train, test } = protocolData(loadMovieLens(ML_100K), 'ms', RATING_SPREAD));
  });

  for (const name of ALGORITHMS) {
    it(`should reproduce ${name}'s pinned validation and test NDCG@10`, () => {
      const { fitted, metrics } = evaluateOne(ALGORITHM_REGISTRY[name], train, test, {});
      figures.set(name, { valid: fitted.metrics.ndcg_at_10, test: metrics.ndcg_at_10 });
      assert.ok(Math.abs(fitted.metrics.ndcg_at_10 - PINNED[name].valid) < 5e-4, `valid ${fitted.metrics.ndcg_at_10}`);
      assert.ok(Math.abs(metrics.ndcg_at_10 - PINNED[name].test) < 5e-4, `test ${metrics.ndcg_at_10}`);
    });
  }

  it('should reach 0.48 with the best algorithm, and serve by default (auto) within 0.01 of it', () => {
    const best = Math.max(...[...figures.values()].map((figure) => figure.test));
    assert.ok(best >= 0.48, `best ${best}`);
    const active = [...figures].map(([algorithm, figure]) => ({ algorithm, metrics: { ndcg_at_10: figure.valid } }));
    const served = defaultModel('auto', active)?.algorithm as AlgorithmName;
    assert.ok(best - (figures.get(served)?.test ?? 0) <= 0.01, `auto serves ${served}`);
  });

  it('should keep hybrid at least as good as its best part on validation, and popularity at most-popular', () => {
    const hybrid = figures.get('hybrid')?.valid ?? 0;
    for (const part of [
      'matrix_factorization',
      'ease',
      'item_knn',
      'collaborative_filtering',
      'content_based',
    ] as const)
      assert.ok(hybrid >= (figures.get(part)?.valid ?? Infinity), part);
    assert.ok((figures.get('popularity')?.test ?? 0) >= 0.25);
  });
});
