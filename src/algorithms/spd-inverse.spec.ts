import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Matrix, inverse } from 'ml-matrix';
import { Mt19937 } from './mt19937';
import { invertSpdInPlace } from './spd-inverse';

/** MᵀM + I for a random M: symmetric positive definite. */
function randomSpd(n: number, random: Mt19937): Matrix {
  const m = Matrix.from1DArray(
    n,
    n,
    Float64Array.from({ length: n * n }, () => random.nextDouble() - 0.5),
  );
  return m.transpose().mmul(m).add(Matrix.eye(n));
}

describe('invertSpdInPlace', { timeout: 30_000 }, () => {
  // Sizes around the four-row blocks, so the partial last block is exercised.
  for (const n of [1, 3, 4, 9, 37]) {
    it(`should invert a ${n} × ${n} SPD matrix (lower triangle) as ml-matrix's LU inverse does`, () => {
      const a = randomSpd(n, new Mt19937(n));
      const lower = Float64Array.from(a.to1DArray());
      invertSpdInPlace(lower, n);
      const expected = inverse(a);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          assert.ok(
            Math.abs(lower[i * n + j] - expected.get(i, j)) < 1e-9,
            `A⁻¹[${i}][${j}] = ${lower[i * n + j]}, ml-matrix ${expected.get(i, j)}`,
          );
        }
      }
    });
  }

  it('should refuse a matrix that is not positive definite', () => {
    assert.throws(() => invertSpdInPlace(Float64Array.of(1, 2, 2, 1), 2), /not positive definite/);
  });
});
