import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildCsr, preferenceMatrix, topK, transpose } from './sparse';

describe('sparse', { timeout: 30_000 }, () => {
  it('should sum duplicate coordinates and sort columns within a row', () => {
    const m = buildCsr(2, 3, Int32Array.of(1, 0, 1, 0), Int32Array.of(2, 1, 0, 1), Float32Array.of(1, 2, 3, 4));
    assert.deepEqual([...m.indptr], [0, 1, 3]);
    assert.deepEqual([...m.indices], [1, 0, 2]);
    assert.deepEqual([...m.values], [6, 3, 1]);
  });

  it('should transpose rows into columns', () => {
    const m = transpose(buildCsr(2, 3, Int32Array.of(0, 1, 1), Int32Array.of(2, 0, 2), Float32Array.of(1, 2, 3)));
    assert.equal(m.rows, 3);
    assert.deepEqual([...m.indptr], [0, 1, 1, 3]);
    assert.deepEqual([...m.indices], [1, 0, 1]);
    assert.deepEqual([...m.values], [2, 1, 3]);
  });

  it('should keep only cells whose summed weight is positive', () => {
    const events = {
      user: Int32Array.of(0, 0, 0, 1),
      item: Int32Array.of(0, 0, 1, 1),
      weight: Float32Array.of(1, -3, 2, 0.5),
      time: Float64Array.of(1, 2, 3, 4),
    };
    const m = preferenceMatrix(events, 2, 2);
    assert.deepEqual([...m.indptr], [0, 1, 2]);
    assert.deepEqual([...m.indices], [1, 1]);
  });

  it('should return the k best finite scores, ties to the lower index', () => {
    const scores = Float32Array.of(0.5, -Infinity, 0.9, 0.5, 0.1, NaN);
    assert.deepEqual([...topK(scores, 3)], [2, 0, 3]);
    assert.deepEqual([...topK(scores, 10)], [2, 0, 3, 4]);
    assert.deepEqual([...topK(scores, 0)], []);
  });
});
