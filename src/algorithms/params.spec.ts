import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ease } from './ease';
import { hybrid } from './hybrid';
import { itemKnn } from './item-knn';
import { matrixFactorization } from './matrix-factorization';
import { estimateTrainingBytes, paramProblems } from './params';
import { ALGORITHM_REGISTRY, getAlgorithm } from './registry';
import { AlgorithmName } from './types';

describe('paramProblems', { timeout: 30_000 }, () => {
  it('should accept every algorithm’s defaults', () => {
    const algorithms = Object.values(ALGORITHM_REGISTRY);
    assert.equal(algorithms.length, 7);
    for (const algorithm of algorithms)
      assert.deepEqual(paramProblems(algorithm, algorithm.defaults), [], algorithm.name);
  });

  it('should name the param and its range for values of the wrong kind or out of range', () => {
    assert.deepEqual(paramProblems(itemKnn, { neighbours: -5, neighbors: 5, min_similarity: '0.5' }), [
      'params.neighbours must be an integer between 1 and 1000 and at most the number of items, got -5',
      'params.neighbors is not a parameter of item_knn (known: neighbours, min_similarity, shrinkage, tune)',
      'params.min_similarity must be a number between -1 and 1, got "0.5"',
    ]);
    assert.deepEqual(paramProblems(matrixFactorization, { factors: 45000, iterations: 1e9, cg_steps: 2.5 }), [
      'params.factors must be an integer between 1 and 512 and at most the number of items, got 45000',
      'params.iterations must be an integer between 1 and 100, got 1000000000',
      'params.cg_steps must be an integer between 1 and 32, got 2.5',
    ]);
  });

  it('should hold counts to what the data has, when the data is known', () => {
    const shape = { users: 30, items: 40, events: 500 };
    assert.deepEqual(paramProblems(itemKnn, { neighbours: 40 }, shape), []);
    assert.deepEqual(paramProblems(itemKnn, { neighbours: 41 }, shape), [
      'params.neighbours must be at most 40, the number of items in the training data, got 41',
    ]);
    assert.deepEqual(paramProblems(ALGORITHM_REGISTRY.collaborative_filtering, { neighbours: 31 }, shape), [
      'params.neighbours must be at most 30, the number of users in the training data, got 31',
    ]);
  });

  it("should check hybrid's component params against the chosen component", () => {
    assert.deepEqual(
      paramProblems(hybrid, {
        collaborative: 'ease',
        'cf.lambda': 10,
        'content.declared_weight': 2,
        'pop.half_life_days': 3,
      }),
      [],
    );
    assert.deepEqual(
      paramProblems(hybrid, { collaborative: 'matrix_factorization', 'cf.factors': 600, 'cf.neighbours': 5 }),
      [
        'params.cf.factors must be an integer between 1 and 512 and at most the number of items, got 600',
        'params.cf.neighbours is not a parameter of matrix_factorization (known: factors, iterations, regularization, alpha, seed, cg_steps)',
      ],
    );
    assert.match(
      paramProblems(hybrid, { collaborative: 'popularity' })[0],
      /^params\.collaborative must be one of item_knn, collaborative_filtering, matrix_factorization, ease, got "popularity"$/,
    );
  });
});

describe('estimateTrainingBytes', { timeout: 30_000 }, () => {
  // Every run: 68 B per event and 4 B per user = 68 · 20000 + 4 · 1000 = 1 364 000; all of it × 1.25 headroom.
  const shape = { users: 1000, items: 50, events: 20000 };

  it('should estimate matrix factorisation from the factors and the data', () => {
    // csr(1000, 20000) 164 004 + csr(500, 20000) 162 004 + 12·10·1500 180 000 + 32·10² 3 200 + 16·1000 16 000.
    assert.equal(
      estimateTrainingBytes(matrixFactorization, { ...shape, items: 500 }, { factors: 10 }),
      1.25 * (1_364_000 + 525_208),
    );
  });

  it('should estimate item_knn with the neighbours the items allow', () => {
    // csr(1000, 20000) 164 004 + csr(50, 20000) 160 204 + 20·50 1 000 + 32·50·min(100, 50) 80 000.
    assert.equal(estimateTrainingBytes(itemKnn, shape, {}), 1.25 * (1_364_000 + 405_208));
  });

  it('should estimate dense EASE from the items it inverts', () => {
    // csr(1000, 20000) 164 004 + 8·50 400 + inverse 8·50² 20 000 + dense weights 8·50² 20 000.
    assert.equal(estimateTrainingBytes(ease, shape, {}), 1.25 * (1_364_000 + 204_404));
  });

  it("should estimate hybrid as the sum of its components'", () => {
    // item_knn 405 208 + content_based 4·12·16·50 38 400 + popularity 12·50 + 2·(4·50 + 12·16·50) 20 200.
    assert.equal(estimateTrainingBytes(hybrid, shape, { learn_blend: false }), 1.25 * (1_364_000 + 463_808));
  });

  it('should add every collaborative candidate while hybrid learns its blend', () => {
    const candidates = ['item_knn', 'collaborative_filtering', 'matrix_factorization', 'ease'].reduce(
      (sum, name) =>
        sum + getAlgorithm(name as AlgorithmName).estimateBytes(shape, getAlgorithm(name as AlgorithmName).defaults),
      0,
    );
    assert.equal(
      estimateTrainingBytes(hybrid, shape, {}),
      estimateTrainingBytes(hybrid, shape, { learn_blend: false }) + 1.25 * candidates,
    );
  });
});
