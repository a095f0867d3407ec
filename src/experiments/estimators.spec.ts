import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cupedAdjust, MetricSums, ratioEstimate, relativeLiftOf } from './estimators';

/** Sums of per-user (x, y, z) as the repository's SQL computes them. */
function sumsOf(users: readonly { x: number; y: number; z?: number }[]): MetricSums {
  const s: MetricSums = { n: 0, sumY: 0, sumX: 0, sumYY: 0, sumXX: 0, sumXY: 0, sumZ: 0, sumZZ: 0, sumYZ: 0, sumXZ: 0 };
  for (const { x, y, z = 0 } of users) {
    s.n += 1;
    s.sumX += x;
    s.sumY += y;
    s.sumXX += x * x;
    s.sumYY += y * y;
    s.sumXY += x * y;
    s.sumZ += z;
    s.sumZZ += z * z;
    s.sumYZ += y * z;
    s.sumXZ += x * z;
  }
  return s;
}

function assertClose(actual: number, expected: number, tolerance: number, label = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label} expected ${expected} ± ${tolerance}, got ${actual}`);
}

describe('ratioEstimate (delta method, users as the unit)', { timeout: 10_000 }, () => {
  it('should match the variance of the linearised per-user values, worked by hand', () => {
    // Lists x = 1, 2, 3, 2 and clicks y = 0, 1, 1, 0: R = 2/8 = 0.25, x̄ = 2. Linearised
    // l = (y − R·x)/x̄ = −0.125, 0.25, 0.125, −0.25 (mean 0): sample variance 0.15625/3 = 0.0520833,
    // so Var(R) = 0.0520833/4 = 0.0130208 (Deng et al. 2018, eq. 2 with Bessel's correction).
    const e = ratioEstimate(
      sumsOf([
        { x: 1, y: 0 },
        { x: 2, y: 1 },
        { x: 3, y: 1 },
        { x: 2, y: 0 },
      ]),
    );
    assert.equal(e.value, 0.25);
    assertClose(e.variance, 0.15625 / 3 / 4, 1e-15);
  });

  it('should reduce to the binomial variance p(1 − p)/(n − 1)·… for a per-user rate (x = 1)', () => {
    // 30 of 100 users converted: sample variance 100/99 · 0.3·0.7 = 0.2121, over n: 0.0021212.
    const users = Array.from({ length: 100 }, (_, i) => ({ x: 1, y: i < 30 ? 1 : 0 }));
    const e = ratioEstimate(sumsOf(users));
    assert.equal(e.value, 0.3);
    assertClose(e.variance, (0.3 * 0.7 * 100) / 99 / 100, 1e-15);
  });

  it('should give zeros without data, never NaN', () => {
    const e = ratioEstimate(sumsOf([]));
    assert.deepEqual([e.value, e.variance], [0, 0]);
  });
});

describe('relativeLiftOf', { timeout: 10_000 }, () => {
  it('should take the delta-method variance of t/c − 1', () => {
    // c = 0.10, t = 0.12, both Var 1e-4: Var ≈ 1e-4/0.01 + 0.0144·1e-4/1e-4 = 0.01 + 0.0144 = 0.0244.
    const lift = relativeLiftOf({ value: 0.1, variance: 1e-4 }, { value: 0.12, variance: 1e-4 });
    assertClose(lift.lift, 0.2, 1e-12);
    assertClose(lift.variance, 0.0244, 1e-12);
  });

  it('should be NaN over a zero baseline', () => {
    assert.ok(Number.isNaN(relativeLiftOf({ value: 0, variance: 0 }, { value: 0.1, variance: 0.01 }).lift));
  });
});

describe('cupedAdjust', { timeout: 10_000 }, () => {
  it('should remove all variance when the outcome is the covariate, and keep the estimate unbiased at the mean', () => {
    // y = z for every user (x = 1): θ = 1, the residual is constant, so its variance is 0; both
    // arms have the same z̄, so the estimates do not move.
    const arm = sumsOf([1, 2, 3, 4].map((z) => ({ x: 1, y: z, z })));
    const { theta, adjusted } = cupedAdjust([ratioEstimate(arm), ratioEstimate(arm)]);
    assertClose(theta, 1, 1e-12);
    assertClose(adjusted[0].value, 2.5, 1e-12);
    assertClose(adjusted[0].variance, 0, 1e-12);
  });

  it('should move an arm whose covariate mean sits above the pooled mean down by θ·(z̄ − μ)', () => {
    // Arm a: z = 0, 2 with y = z; arm b: z = 2, 4 with y = z. θ = 1, μ_z = 2: a → 1 + 1 = 2, b → 3 − 1 = 2.
    const a = ratioEstimate(sumsOf([0, 2].map((z) => ({ x: 1, y: z, z }))));
    const b = ratioEstimate(sumsOf([2, 4].map((z) => ({ x: 1, y: z, z }))));
    const { adjusted } = cupedAdjust([a, b]);
    assertClose(adjusted[0].value, 2, 1e-12);
    assertClose(adjusted[1].value, 2, 1e-12);
  });

  it('should leave the estimate alone when the covariate does not vary', () => {
    const e = ratioEstimate(sumsOf([0, 1, 1, 0].map((y) => ({ x: 1, y, z: 5 }))));
    const { theta, adjusted } = cupedAdjust([e, e]);
    assert.equal(theta, 0);
    assert.deepEqual(adjusted[0], { value: e.value, variance: e.variance });
  });
});
