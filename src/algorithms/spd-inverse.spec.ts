import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Mt19937 } from './mt19937';
import { invertSpdInPlace } from './spd-inverse';

/** MᵀM + I for a random M: symmetric positive definite. */
function randomSpd(n: number, random: Mt19937): Float64Array {
  const m = Float64Array.from({ length: n * n }, () => random.nextDouble() - 0.5);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = i === j ? 1 : 0;
      for (let k = 0; k < n; k++) sum += m[k * n + i] * m[k * n + j];
      a[i * n + j] = sum;
    }
  }
  return a;
}

describe('invertSpdInPlace', { timeout: 30_000 }, () => {
  // Sizes around the four-row blocks, so the partial last block is exercised.
  for (const n of [1, 3, 4, 9, 37]) {
    it(`should invert a ${n} × ${n} SPD matrix (lower triangle)`, () => {
      const a = randomSpd(n, new Mt19937(n));
      const inverse = a.slice();
      invertSpdInPlace(inverse, n);
      const at = (i: number, j: number) => (i >= j ? inverse[i * n + j] : inverse[j * n + i]);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let sum = 0;
          for (let k = 0; k < n; k++) sum += a[i * n + k] * at(k, j);
          assert.ok(Math.abs(sum - (i === j ? 1 : 0)) < 1e-9, `(A·A⁻¹)[${i}][${j}] = ${sum}`);
        }
      }
    });
  }

  it('should refuse a matrix that is not positive definite', () => {
    assert.throws(() => invertSpdInPlace(Float64Array.of(1, 2, 2, 1), 2), /not positive definite/);
  });
});
