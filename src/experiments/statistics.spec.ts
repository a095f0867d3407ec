import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chiSquareGoodnessOfFit,
  chiSquareSurvival,
  holmAdjust,
  normalCdf,
  normalQuantile,
  proportionInterval,
  relativeLift,
  twoProportionZTest,
} from './statistics';

function assertClose(actual: number, expected: number, tolerance: number, label = ''): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${label} expected ${expected} ± ${tolerance}, got ${actual}`.trim(),
  );
}

function assertAllClose(actual: readonly number[], expected: readonly number[], tolerance: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => assertClose(value, expected[i], tolerance, `[${i}]`));
}

describe('normalCdf', { timeout: 30_000 }, () => {
  it('should match the printed normal table', () => {
    assertClose(normalCdf(1.96), 0.9750021, 1e-7);
    assertClose(normalCdf(-1), 0.1586553, 1e-7);
    assertClose(normalCdf(0), 0.5, 1e-15);
    assertClose(normalCdf(3), 0.9986501, 1e-7);
  });

  it('should keep relative accuracy far in the lower tail', () => {
    // Φ(−8) = 6.22096057427174e-16 (scipy.stats.norm.cdf); 1 − Φ(8) would round to 0 here.
    assertClose(normalCdf(-8) / 6.22096057427174e-16, 1, 1e-7);
    assert.equal(normalCdf(-Infinity), 0);
    assert.equal(normalCdf(Infinity), 1);
  });

  it('should be symmetric about zero', () => {
    for (const z of [0.1, 0.7, 1.5, 2.5, 4, 6.5, 7.5]) assertClose(normalCdf(z) + normalCdf(-z), 1, 1e-15, `z=${z}`);
  });
});

describe('normalQuantile', { timeout: 30_000 }, () => {
  it('should match the printed critical values', () => {
    assertClose(normalQuantile(0.975), 1.959964, 1e-6);
    assertClose(normalQuantile(0.995), 2.575829, 1e-6);
    assertClose(normalQuantile(0.001), -3.090232, 1e-6);
    assert.equal(normalQuantile(0.5), 0);
  });

  it('should invert normalCdf across the centre and both tails', () => {
    for (const p of [1e-12, 1e-6, 0.01, 0.02425, 0.2, 0.5, 0.8, 0.97575, 0.99, 1 - 1e-6]) {
      assertClose(normalCdf(normalQuantile(p)) / p, 1, 1e-9, `p=${p}`);
    }
  });

  it('should map the end points to infinities and reject probabilities outside [0, 1]', () => {
    assert.equal(normalQuantile(0), -Infinity);
    assert.equal(normalQuantile(1), Infinity);
    assert.throws(() => normalQuantile(1.5), RangeError);
    assert.throws(() => normalQuantile(NaN), RangeError);
  });
});

describe('proportionInterval', { timeout: 30_000 }, () => {
  it('should give the Wilson interval for 8/10 at 95%', () => {
    const interval = proportionInterval(8, 10);
    assert.equal(interval.proportion, 0.8);
    assertClose(interval.low, 0.4902, 1e-4);
    assertClose(interval.high, 0.9433, 1e-4);
  });

  it('should keep a non-zero width at 0 and at all successes, inside [0, 1]', () => {
    const none = proportionInterval(0, 10);
    assert.equal(none.low, 0);
    assertClose(none.high, 0.2775, 1e-4);
    const all = proportionInterval(10, 10);
    assertClose(all.low, 0.7225, 1e-4);
    assert.equal(all.high, 1);
  });

  it('should widen with the confidence level and be uninformative without trials', () => {
    const at95 = proportionInterval(30, 200);
    const at99 = proportionInterval(30, 200, 0.99);
    assert.ok(at99.low < at95.low && at99.high > at95.high);
    assert.deepEqual(proportionInterval(0, 0), { proportion: 0, low: 0, high: 1 });
  });

  it('should reject impossible counts and confidence levels', () => {
    assert.throws(() => proportionInterval(11, 10), RangeError);
    assert.throws(() => proportionInterval(-1, 10), RangeError);
    assert.throws(() => proportionInterval(1.5, 10), RangeError);
    assert.throws(() => proportionInterval(1, 10, 1), RangeError);
  });
});

describe('twoProportionZTest', { timeout: 30_000 }, () => {
  it('should match the hand calculation for 200/1000 vs 250/1000', () => {
    // pooled p = 450/2000 = 0.225; SE = √(0.225 · 0.775 · (1/1000 + 1/1000)) = 0.0186748;
    // z = (0.20 − 0.25) / 0.0186748 = −2.6774; p = 2·Φ(−2.6774) = 0.00742.
    const { z, pValue } = twoProportionZTest(200, 1000, 250, 1000);
    assertClose(z, -2.6774, 1e-4);
    assertClose(pValue, 0.00742, 1e-5);
  });

  it('should flip the sign of z, not the p-value, when the arms are swapped', () => {
    const forward = twoProportionZTest(200, 1000, 250, 1000);
    const backward = twoProportionZTest(250, 1000, 200, 1000);
    assertClose(backward.z, -forward.z, 1e-12);
    assertClose(backward.pValue, forward.pValue, 1e-15);
  });

  it('should report no evidence when the rates are equal, an arm is empty or nothing varies', () => {
    assert.deepEqual(twoProportionZTest(50, 500, 100, 1000), { z: 0, pValue: 1 });
    assert.deepEqual(twoProportionZTest(0, 0, 10, 100), { z: 0, pValue: 1 });
    assert.deepEqual(twoProportionZTest(0, 100, 0, 200), { z: 0, pValue: 1 });
    assert.deepEqual(twoProportionZTest(100, 100, 200, 200), { z: 0, pValue: 1 });
  });
});

describe('relativeLift', { timeout: 30_000 }, () => {
  it('should give the delta-method interval on the log ratio', () => {
    // ln(0.25/0.20) = 0.22314; SE = √(0.75/250 + 0.80/200) = 0.083666;
    // exp(0.22314 ± 1.959964 · 0.083666) − 1 = [0.06095, 0.47274].
    const { lift, low, high } = relativeLift({ successes: 200, trials: 1000 }, { successes: 250, trials: 1000 });
    assertClose(lift, 0.25, 1e-12);
    assertClose(low, 0.06095, 1e-5);
    assertClose(high, 0.47274, 1e-5);
  });

  it('should give an asymmetric interval that never goes below −100%', () => {
    const { lift, low, high } = relativeLift({ successes: 20, trials: 100 }, { successes: 2, trials: 100 });
    assertClose(lift, -0.9, 1e-12);
    assert.ok(low > -1 && low < lift && high > lift);
    assert.ok(high - lift > lift - low);
  });

  it('should be NaN where the ratio or its logarithm is undefined', () => {
    const noBaseline = relativeLift({ successes: 0, trials: 100 }, { successes: 5, trials: 100 });
    assert.ok(Number.isNaN(noBaseline.lift) && Number.isNaN(noBaseline.low) && Number.isNaN(noBaseline.high));
    const noTreatmentSuccess = relativeLift({ successes: 10, trials: 100 }, { successes: 0, trials: 100 });
    assert.equal(noTreatmentSuccess.lift, -1);
    assert.ok(Number.isNaN(noTreatmentSuccess.low) && Number.isNaN(noTreatmentSuccess.high));
  });
});

describe('holmAdjust', { timeout: 30_000 }, () => {
  it('should step down through the sorted p-values and keep the input order', () => {
    assertAllClose(holmAdjust([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06], 1e-12);
  });

  it('should be monotone in the raw p-values and capped at 1', () => {
    assertAllClose(holmAdjust([0.5, 0.6]), [1, 1], 1e-12);
    assertAllClose(holmAdjust([0.002, 0.2, 0.001, 0.04]), [0.006, 0.2, 0.004, 0.08], 1e-12);
    assert.deepEqual(holmAdjust([]), []);
  });

  it('should reject values that are not probabilities', () => {
    assert.throws(() => holmAdjust([0.1, 1.2]), RangeError);
    assert.throws(() => holmAdjust([NaN]), RangeError);
  });
});

describe('chiSquareSurvival', { timeout: 30_000 }, () => {
  it('should give 5% at the printed critical values', () => {
    assertClose(chiSquareSurvival(3.841, 1), 0.05, 1e-4);
    assertClose(chiSquareSurvival(5.991, 2), 0.05, 1e-4);
    assertClose(chiSquareSurvival(11.07, 5), 0.05, 1e-4);
  });

  it('should agree with reference values on both sides of the series/continued-fraction switch', () => {
    // scipy.stats.chi2.sf
    assertClose(chiSquareSurvival(0.5, 10), 0.999993388289439, 1e-12);
    assertClose(chiSquareSurvival(30, 30), 0.4656537089440098, 1e-12);
    assertClose(chiSquareSurvival(100, 3) / 1.5541594313896026e-21, 1, 1e-9);
    assert.equal(chiSquareSurvival(0, 4), 1);
  });
});

describe('chiSquareGoodnessOfFit', { timeout: 30_000 }, () => {
  it('should find no mismatch when the split is exactly as configured', () => {
    assert.deepEqual(chiSquareGoodnessOfFit([4000, 3000, 3000], [40, 30, 30]), {
      statistic: 0,
      degreesOfFreedom: 2,
      pValue: 1,
    });
  });

  it('should match scipy.stats.chisquare and accept shares in any scale', () => {
    const result = chiSquareGoodnessOfFit([4100, 2950, 2950], [0.4, 0.3, 0.3]);
    assertClose(result.statistic, 4.166666666666667, 1e-9);
    assert.equal(result.degreesOfFreedom, 2);
    assertClose(result.pValue, 0.12451447144412299, 1e-9);
    assertClose(chiSquareGoodnessOfFit([4100, 2950, 2950], [40, 30, 30]).pValue, result.pValue, 1e-12);
  });

  it('should flag a sample-ratio mismatch', () => {
    assert.ok(chiSquareGoodnessOfFit([4400, 2800, 2800], [40, 30, 30]).pValue < 1e-6);
  });

  it('should reject malformed input and report nothing without participants', () => {
    assert.throws(() => chiSquareGoodnessOfFit([1, 2], [1, 1, 1]), RangeError);
    assert.throws(() => chiSquareGoodnessOfFit([5], [1]), RangeError);
    assert.throws(() => chiSquareGoodnessOfFit([5, 5], [1, 0]), RangeError);
    assert.throws(() => chiSquareGoodnessOfFit([5, -1], [1, 1]), RangeError);
    assert.equal(chiSquareGoodnessOfFit([0, 0], [1, 1]).pValue, 1);
  });
});
