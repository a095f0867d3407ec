import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  averagePrecisionAtK,
  averagePrecisionMs,
  catalogueCoverage,
  hitsAtK,
  intraListDiversity,
  ndcgAtK,
  precisionAtK,
  recallAtK,
} from './metrics';
import { buildCsr } from '../algorithms/sparse';

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-4, `${actual} ≉ ${expected}`);

describe('ranking metrics', { timeout: 300_000 }, () => {
  // Hits at ranks 2 and 5 out of three relevant items.
  const recommended = [1, 2, 3, 4, 5];
  const relevant = new Set([2, 5, 9]);

  it('should count hits, precision over k and recall over the relevant items', () => {
    assert.equal(hitsAtK(recommended, relevant, 5), 2);
    assert.equal(hitsAtK(recommended, relevant, 4), 1);
    close(precisionAtK(recommended, relevant, 5), 0.4);
    close(precisionAtK([2], relevant, 10), 0.1);
    close(recallAtK(recommended, relevant, 5), 2 / 3);
  });

  it('should normalise DCG by the ideal DCG of min(|relevant|, k) hits', () => {
    // DCG = 1/log2(3) + 1/log2(6) = 0.63093 + 0.38685; IDCG = 1 + 0.63093 + 0.5.
    close(ndcgAtK(recommended, relevant, 5), 1.01778 / 2.13093);
    // k = 2: DCG = 0.63093, IDCG = 1 + 0.63093.
    close(ndcgAtK(recommended, relevant, 2), 0.63093 / 1.63093);
    assert.equal(ndcgAtK([9, 2, 5], relevant, 3), 1);
  });

  it('should divide the MS AP by |relevant| and the textbook AP by min(|relevant|, k)', () => {
    // Precision at the hits: 1/2 and 2/5.
    close(averagePrecisionMs(recommended, relevant, 5), 0.9 / 3);
    close(averagePrecisionAtK(recommended, relevant, 5), 0.9 / 3);
    close(averagePrecisionMs(recommended, relevant, 2), 0.5 / 3);
    close(averagePrecisionAtK(recommended, relevant, 2), 0.5 / 2);
  });

  it('should score 0 for a user without relevant items', () => {
    const none = new Set<number>();
    assert.equal(recallAtK(recommended, none, 5), 0);
    assert.equal(ndcgAtK(recommended, none, 5), 0);
    assert.equal(averagePrecisionMs(recommended, none, 5), 0);
  });

  it('should measure coverage as distinct recommended items over the catalogue', () => {
    close(catalogueCoverage([Int32Array.of(1, 2), Int32Array.of(2, 3)], 10), 0.3);
    assert.equal(catalogueCoverage([], 10), 0);
  });
});

describe('intra-list diversity', { timeout: 30_000 }, () => {
  // i0 {f0, f1}, i1 {f0}, i2 {f2}, i3 without features.
  const features = buildCsr(4, 3, Int32Array.of(0, 0, 1, 2), Int32Array.of(0, 1, 0, 2), Float32Array.of(1, 1, 1, 1));

  it('should average 1 − cosine over every pair of the list', () => {
    // cos(i0, i1) = 1 / √2, so that pair is 1 − 0.70711 = 0.29289; i2 shares nothing with either.
    close(intraListDiversity([0, 1], features), 0.29289);
    close(intraListDiversity([0, 1, 2], features), (0.29289 + 1 + 1) / 3);
    close(intraListDiversity([1, 1], features), 0);
    close(intraListDiversity([0, 3], features), 1);
    assert.equal(intraListDiversity([2], features), 0);
    assert.equal(intraListDiversity([], features), 0);
  });
});
