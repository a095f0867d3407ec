import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Participant, sumsOf } from '../../test/support/experiment-sums';
import { Experiment, ExperimentVariant } from '../repositories/experiments.repository';
import type { VariantSums } from '../repositories/impressions.repository';
import { computeResults } from './experiment-results';
import { sequentialHalfWidth, sequentialPValue } from './inference';
import { holmAdjust, normalCdf } from './statistics';

const DAY_MS = 86_400_000;

function variant(variant_id: string, traffic_percentage: number): ExperimentVariant {
  return { variant_id, name: variant_id, algorithm: 'popularity', params: {}, traffic_percentage };
}

function experiment(variants: ExperimentVariant[], changes: Partial<Experiment> = {}): Experiment {
  return {
    id: 'exp',
    name: 'Test',
    description: '',
    status: 'active',
    variants,
    metricsTracked: ['click_through_rate', 'conversion_rate', 'save_rate', 'hide_rate'],
    primaryMetric: 'click_through_rate',
    guardrailMetrics: [],
    inference: 'sequential',
    targetLift: 0.05,
    forcedAssignments: {},
    startAt: 0,
    endAt: null,
    createdAt: 0,
    updatedAt: 0,
    ...changes,
  };
}

/** `n` participants who each saw `lists` lists; the first `clickers` clicked once, the first `hiders` hid once. */
function arm(id: string, n: number, lists: number, clickers: number, hiders = 0): VariantSums {
  const users: Participant[] = Array.from({ length: n }, (_, i) => ({
    lists,
    clicks: i < clickers ? 1 : 0,
    hides: i < hiders ? 1 : 0,
  }));
  return sumsOf(id, users);
}

function results(e: Experiment, arms: VariantSums[], now = 10 * DAY_MS) {
  return computeResults({
    experiment: e,
    sums: new Map(arms.map((s) => [s.variantId, s])),
    attributionHours: 24,
    covariateDays: 14,
    now,
  });
}

function assertClose(actual: number | null | undefined, expected: number, tolerance: number, label = ''): void {
  assert.ok(
    typeof actual === 'number' && Math.abs(actual - expected) <= tolerance,
    `${label} expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

describe('computeResults', { timeout: 30_000 }, () => {
  it('should rate clicks per list shown, keep conversion per participant, and judge the primary lift sequentially', () => {
    // 1000 users × 2 lists per arm; 100 vs 200 users click once: CTR 100/2000 = 0.05 vs 0.10,
    // conversion 0.10 vs 0.20. Per-user linearised variance (y − 2R)/2: Var(R_c) = 0.09·1000/999/4/1000
    // = 2.25225e-5, Var(R_t) = 0.16·1000/999/4/1000 = 4.004e-5. Lift 1.0 with
    // Var = 4.004e-5/0.05² + 0.1²·2.25225e-5/0.05⁴ = 0.016016 + 0.036036 = 0.052052.
    const r = results(experiment([variant('control', 50), variant('treatment', 50)]), [
      arm('control', 1000, 2, 100),
      arm('treatment', 1000, 2, 200),
    ]);
    const [control, treatment] = r.variants;
    assert.equal(r.impressions, 4000);
    assert.equal(control.metrics.click_through_rate, 0.05);
    assert.equal(treatment.metrics.conversion_rate, 0.2);
    const vs = treatment.statistical_significance?.vs_control;
    assert.equal(vs?.metric, 'click_through_rate');
    assert.equal(vs?.role, 'primary');
    assert.equal(vs?.inference, 'sequential');
    assertClose(vs?.relative_lift, 1, 1e-12);
    const variance = 0.052052052052;
    const halfWidth = sequentialHalfWidth(variance, 2000, 0.05);
    assertClose(vs?.lift_ci[0], 1 - halfWidth, 1e-9);
    assertClose(vs?.lift_ci[1], 1 + halfWidth, 1e-9);
    assertClose(vs?.p_value, sequentialPValue(1, variance, 2000, 0.05), 1e-12);
    assert.equal(vs?.is_significant, true);
    assert.equal(vs?.cuped_variance_reduction, 0, 'no pre-exposure activity: nothing to reduce');
    assert.equal(vs?.by_metric.conversion_rate.role, 'exploratory');
    assert.match(
      r.summary,
      /^treatment lifts click-through rate by 100% \(95% always-valid CI \d+%–\d+%\), significant \(n=2,000\)\.$/,
    );
  });

  it('should give the textbook z-test in fixed-horizon mode', () => {
    const r = results(experiment([variant('control', 50), variant('b', 50)], { inference: 'fixed_horizon' }), [
      arm('control', 1000, 2, 100),
      arm('b', 1000, 2, 120),
    ]);
    // Var(R_b) = 0.12·0.88·1000/999/4/1000 = 2.64264e-5; lift 0.2, Var = 2.64264e-5/0.0025 + 0.06²·2.25225e-5/0.05⁴
    // = 0.0105706 + 0.0129730 = 0.0235435; z = 0.2/0.153439 = 1.30345, p = 0.192424.
    const vs = r.variants[1].statistical_significance?.vs_control;
    const z = 0.2 / Math.sqrt(0.0105705706 + 0.012972973);
    assertClose(vs?.p_value, 2 * normalCdf(-z), 1e-9);
    assertClose(vs?.p_value, 0.192424, 1e-5);
    assert.equal(vs?.is_significant, false);
  });

  it('should take vs_control from the declared primary metric and Holm-adjust it across treatments', () => {
    const e = experiment([variant('control', 25), variant('a', 25), variant('b', 25), variant('c', 25)], {
      primaryMetric: 'conversion_rate',
    });
    const r = results(e, [
      arm('control', 3000, 1, 300),
      arm('a', 3000, 1, 420),
      arm('b', 3000, 1, 360),
      arm('c', 3000, 1, 305),
    ]);
    const reported = r.variants.slice(1).map((v) => v.statistical_significance?.vs_control);
    assert.ok(reported.every((vs) => vs?.metric === 'conversion_rate'));
    assert.deepEqual(
      reported.map((vs) => vs?.p_value_adjusted),
      holmAdjust(reported.map((vs) => vs?.p_value ?? 1)),
    );
    assert.equal(reported[0]?.is_significant, true);
    assert.equal(reported[2]?.is_significant, false);
  });

  it('should report a guardrail breach when hide rate significantly rises', () => {
    const e = experiment([variant('control', 50), variant('b', 50)], { guardrailMetrics: ['hide_rate'] });
    const r = results(e, [arm('control', 4000, 2, 400, 40), arm('b', 4000, 2, 400, 200)]);
    assert.equal(r.guardrails.length, 1);
    assert.deepEqual(
      {
        ...r.guardrails[0],
        relative_lift: Math.round((r.guardrails[0].relative_lift ?? 0) * 100) / 100,
        lift_ci: null,
      },
      {
        variant_id: 'b',
        metric: 'hide_rate',
        harmful_direction: 'rise',
        breached: true,
        relative_lift: 4,
        lift_ci: null,
      },
    );
    assert.match(r.summary, /Guardrail breached: b makes hide rate rise \(\+400%\)\.$/);
  });

  it('should return zeros and nulls, never NaN, when there is no data', () => {
    const r = results(experiment([variant('control', 40), variant('cf', 30), variant('cb', 30)]), []);
    const json = JSON.stringify(r);
    assert.doesNotMatch(json, /NaN|Infinity/);
    const parsed = JSON.parse(json) as typeof r;
    assert.equal(parsed.participants, 0);
    for (const v of parsed.variants) {
      assert.deepEqual(v.metrics, { click_through_rate: 0, conversion_rate: 0, save_rate: 0, hide_rate: 0 });
      assert.deepEqual(v.confidence_intervals.click_through_rate, [null, null]);
    }
    const vs = parsed.variants[1].statistical_significance?.vs_control;
    assert.equal(vs?.p_value, 1);
    assert.equal(vs?.relative_lift, null);
    assert.deepEqual(parsed.power[0].estimated_days_remaining, null);
    assert.deepEqual(parsed.sample_ratio_mismatch, { chi_square: 0, p_value: 1, detected: false });
    assert.equal(parsed.summary, 'No variant differs from control on click-through rate yet (n=0).');
  });

  it('should flag a sample ratio mismatch and say so first in the summary', () => {
    // 5300/4700 against 50/50: χ² = 2·300²/5000 = 36, p ≈ 2e-9.
    const r = results(experiment([variant('control', 50), variant('b', 50)]), [
      arm('control', 5300, 1, 0),
      arm('b', 4700, 1, 0),
    ]);
    assertClose(r.sample_ratio_mismatch.chi_square, 36, 1e-9);
    assert.equal(r.sample_ratio_mismatch.detected, true);
    assert.match(r.summary, /^Sample ratio mismatch \(p=<0\.0001\)/);
  });

  it('should estimate the minimum detectable effect and the days left to detect the target lift', () => {
    // 2000 participants in 10 days: 200 per day for the pair.
    const r = results(experiment([variant('control', 50), variant('b', 50)]), [
      arm('control', 1000, 2, 100),
      arm('b', 1000, 2, 100),
    ]);
    const [power] = r.power;
    assert.equal(power.variant_id, 'b');
    assert.equal(power.target_lift, 0.05);
    assertClose(power.participants_per_day, 200, 1e-9);
    assert.ok((power.minimum_detectable_effect ?? 0) > 0.2, `${power.minimum_detectable_effect}`);
    assert.ok((power.participants_needed ?? 0) > 2000);
    assertClose(power.estimated_days_remaining, ((power.participants_needed ?? 0) - 2000) / 200, 1e-9);
    assert.match(r.summary, /Detecting a 5% lift would take about \d+ more days for b\.$/);
  });

  it('should take the variant called control as the baseline wherever it is listed', () => {
    const r = results(experiment([variant('new_ranker', 50), variant('control', 50)]), [
      arm('new_ranker', 100, 1, 10),
      arm('control', 100, 1, 20),
    ]);
    assert.equal(r.control_variant, 'control');
    assertClose(r.variants[0].statistical_significance?.vs_control.relative_lift, -0.5, 1e-12);
  });
});
