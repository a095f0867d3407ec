import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildCsr, transpose } from './sparse';
import { NeighbourSearch, csrValue, positiveHistory, readCount, readNumber, rowNorms, selectTopK } from './similarity';

describe('similarity', { timeout: 30_000 }, () => {
  it('should keep the k best candidates, ties to the lower id, in ascending id order', () => {
    const ids = Int32Array.of(5, 3, 2, 1, 0, 4);
    const scores = Float32Array.of(0.5, 0.5, 0.1, 0.9, 0.5, 0.7);
    const best3 = selectTopK(ids, scores, 6, 3);
    assert.deepEqual([...best3.indices], [0, 1, 4]);
    assert.deepEqual([...best3.similarities], [0.5, scores[3], scores[5]]);
    assert.deepEqual([...selectTopK(ids, scores, 6, 4).indices], [0, 1, 3, 4]);
    assert.deepEqual([...selectTopK(ids, scores, 2, 5).indices], [3, 5]);
  });

  it('should give each query of a reused search only its own co-occurrences', () => {
    // Rows r0 {c0}, r1 {c0, c1}, r2 {c1}; norms 1, √2, 1.
    const rows = buildCsr(3, 2, Int32Array.of(0, 1, 1, 2), Int32Array.of(0, 0, 1, 1), new Float32Array(4).fill(1));
    const search = new NeighbourSearch(transpose(rows), rowNorms(rows), { k: 5, minSimilarity: 0, shrinkage: 0 });
    const first = search.find(Int32Array.of(0), Float32Array.of(1), 0, 1, 1, -1);
    assert.deepEqual([...first.indices], [0, 1]);
    const second = search.find(Int32Array.of(1), Float32Array.of(1), 0, 1, 1, 2);
    assert.deepEqual([...second.indices], [1]);
    assert.ok(Math.abs(second.similarities[0] - Math.SQRT1_2) < 1e-6);
  });

  it('should read numeric params, accepting numeric strings and rejecting anything else', () => {
    assert.equal(readNumber({ k: '2.5' }, 'k'), 2.5);
    assert.throws(() => readNumber({ k: 'many' }, 'k'), TypeError);
    assert.throws(() => readNumber({}, 'k'), TypeError);
    assert.equal(readCount({ k: 3 }, 'k'), 3);
    assert.throws(() => readCount({ k: 1.5 }, 'k'), RangeError);
    assert.throws(() => readCount({ k: 0 }, 'k'), RangeError);
  });

  it('should keep only positive history on items the model knows', () => {
    const profile = {
      userIndex: -1,
      items: Int32Array.of(0, 1, 7, 2),
      weights: Float32Array.of(1, -1, 1, 0.5),
      declaredFeatures: new Int32Array(0),
      cityIndex: -1,
    };
    const history = positiveHistory(profile, 5);
    assert.deepEqual([...history.items], [0, 2]);
    assert.deepEqual([...history.weights], [1, 0.5]);
  });

  it('should read a stored CSR value, or 0 where none is stored', () => {
    const m = buildCsr(2, 4, Int32Array.of(0, 0, 1), Int32Array.of(1, 3, 2), Float32Array.of(5, 6, 7));
    assert.equal(csrValue(m, 0, 3), 6);
    assert.equal(csrValue(m, 1, 2), 7);
    assert.equal(csrValue(m, 0, 2), 0);
  });
});
