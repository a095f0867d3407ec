import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlgorithmName } from '../algorithms/types';
import { defaultModel } from './default-model';

const model = (algorithm: AlgorithmName, ndcg?: number) => ({
  algorithm,
  metrics: ndcg === undefined ? null : { ndcg_at_10: ndcg },
});

describe('defaultModel', { timeout: 10_000 }, () => {
  const active = [model('hybrid', 0.33), model('ease', 0.42), model('matrix_factorization', 0.45), model('popularity')];

  it('should serve the active model with the best holdout NDCG@10 under auto', () => {
    assert.equal(defaultModel('auto', active)?.algorithm, 'matrix_factorization');
  });

  it('should break a tie by the order of ALGORITHMS and skip models without metrics', () => {
    assert.equal(defaultModel('auto', [model('ease', 0.4), model('item_knn', 0.4)])?.algorithm, 'item_knn');
    assert.equal(defaultModel('auto', [model('popularity')]), undefined);
  });

  it('should serve the named algorithm otherwise, whatever its NDCG', () => {
    assert.equal(defaultModel('hybrid', active)?.algorithm, 'hybrid');
    assert.equal(defaultModel('item_knn', active), undefined);
  });
});
