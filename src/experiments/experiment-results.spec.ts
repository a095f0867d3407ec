import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Experiment, ExperimentVariant } from '../repositories/experiments.repository';
import { computeResults, VariantCounts } from './experiment-results';
import { holmAdjust, proportionInterval, relativeLift, twoProportionZTest } from './statistics';

function variant(variant_id: string, traffic_percentage: number): ExperimentVariant {
  return { variant_id, name: variant_id, algorithm: 'popularity', params: {}, traffic_percentage };
}

function experiment(
  variants: ExperimentVariant[],
  metricsTracked: Experiment['metricsTracked'] = ['click_through_rate', 'save_rate', 'hide_rate'],
): Experiment {
  return {
    id: 'exp',
    name: 'Test',
    description: '',
    status: 'active',
    variants,
    metricsTracked,
    forcedAssignments: {},
    startAt: Date.UTC(2026, 10, 1),
    endAt: null,
    createdAt: Date.UTC(2026, 10, 1),
    updatedAt: Date.UTC(2026, 10, 1),
  };
}

/** Counts where each user acted at most once, so events equal users. */
function counts(participants: number, clickers: number, savers = 0, hiders = 0): VariantCounts {
  return {
    participants,
    impressions: participants * 3,
    events: { click: clickers, save: savers, hide: hiders },
    users: { click: clickers, save: savers, hide: hiders },
  };
}

function assertClose(actual: number | null, expected: number, tolerance: number, label = ''): void {
  assert.ok(
    actual !== null && Math.abs(actual - expected) <= tolerance,
    `${label} expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

describe('computeResults', { timeout: 30_000 }, () => {
  it('should report rates, Wilson intervals and a significant lift from hand-made counts', () => {
    const results = computeResults({
      experiment: experiment([variant('control', 50), variant('treatment', 50)]),
      counts: new Map([
        ['control', counts(1000, 100, 50)],
        ['treatment', counts(1000, 140, 52)],
      ]),
      attributionHours: 24,
    });
    const [control, treatment] = results.variants;
    assert.equal(results.participants, 2000);
    assert.equal(results.impressions, 6000);
    assert.equal(results.control_variant, 'control');
    assert.equal(control.metrics.click_through_rate, 0.1);
    // Wilson 95% for 100/1000: (0.1 + z²/2n ± z·√(0.09/n + z²/4n²)) / (1 + z²/n) = 0.08291–0.12015.
    assertClose(control.confidence_intervals.click_through_rate[0], 0.08291, 1e-5);
    assertClose(control.confidence_intervals.click_through_rate[1], 0.12015, 1e-5);
    assert.equal(control.statistical_significance, undefined);

    const ctr = treatment.statistical_significance?.vs_control.by_metric.click_through_rate;
    // Pooled z = 0.04 / √(0.12·0.88·(2/1000)) = 2.7524, two-sided p = 0.00592.
    assertClose(ctr?.p_value ?? null, 0.00592, 1e-5, 'p');
    assert.equal(ctr?.p_value_adjusted, ctr?.p_value, 'one treatment: Holm changes nothing');
    assert.equal(ctr?.is_significant, true);
    assertClose(ctr?.relative_lift ?? null, 0.4, 1e-12);
    const lift = relativeLift({ successes: 100, trials: 1000 }, { successes: 140, trials: 1000 });
    assert.deepEqual(ctr?.lift_ci, [lift.low, lift.high]);
    assert.equal(treatment.statistical_significance?.vs_control.by_metric.save_rate.is_significant, false);
    assert.match(
      results.summary,
      /^treatment lifts click-through rate by 40% \(95% CI \d+%–\d+%\), significant \(n=2,000\)\.$/,
    );
  });

  it('should keep the seed contract fields at the top of vs_control for the primary metric', () => {
    const results = computeResults({
      experiment: experiment([variant('control', 50), variant('b', 50)], ['save_rate', 'click_through_rate']),
      counts: new Map([
        ['control', counts(500, 50, 20)],
        ['b', counts(500, 60, 40)],
      ]),
      attributionHours: 24,
    });
    const vs = results.variants[1].statistical_significance?.vs_control;
    assert.equal(vs?.metric, 'save_rate');
    assert.equal(vs?.p_value, vs?.by_metric.save_rate.p_value);
    assert.equal(vs?.is_significant, vs?.by_metric.save_rate.is_significant);
    assert.equal(vs?.confidence_level, 0.95);
    assert.equal(results.variants[1].metrics.save_rate, 0.08);
  });

  it('should adjust p-values with Holm across the treatments and judge significance on the adjusted value', () => {
    const arms = { control: counts(2000, 200), a: counts(2000, 265), b: counts(2000, 242), c: counts(2000, 205) };
    const results = computeResults({
      experiment: experiment([variant('control', 25), variant('a', 25), variant('b', 25), variant('c', 25)]),
      counts: new Map(Object.entries(arms)),
      attributionHours: 24,
    });
    const raw = [arms.a, arms.b, arms.c].map(
      (t) => twoProportionZTest(t.users.click, t.participants, 200, 2000).pValue,
    );
    const adjusted = holmAdjust(raw);
    const reported = results.variants
      .slice(1)
      .map((v) => v.statistical_significance?.vs_control.by_metric.click_through_rate);
    assert.deepEqual(
      reported.map((r) => r?.p_value),
      raw,
    );
    assert.deepEqual(
      reported.map((r) => r?.p_value_adjusted),
      adjusted,
    );
    // b is nominally significant (raw p ≈ 0.034) but not once Holm doubles it as the second smallest of three.
    assert.ok(raw[1] < 0.05 && adjusted[1] >= 0.05, `raw ${raw[1]}, adjusted ${adjusted[1]}`);
    assert.equal(reported[1]?.is_significant, false);
    assert.equal(reported[0]?.is_significant, true);
  });

  it('should return zeros and nulls, never NaN, when there is no data', () => {
    const results = computeResults({
      experiment: experiment([variant('control', 40), variant('cf', 30), variant('cb', 30)]),
      counts: new Map(),
      attributionHours: 24,
    });
    const json = JSON.stringify(results);
    assert.doesNotMatch(json, /NaN|Infinity/);
    const parsed = JSON.parse(json) as typeof results;
    assert.equal(parsed.participants, 0);
    assert.equal(parsed.variants.length, 3);
    for (const v of parsed.variants) {
      assert.deepEqual(v.metrics, { click_through_rate: 0, save_rate: 0, hide_rate: 0 });
      assert.deepEqual(v.confidence_intervals.click_through_rate, [0, 1]);
    }
    const vs = parsed.variants[1].statistical_significance?.vs_control;
    assert.equal(vs?.p_value, 1);
    assert.equal(vs?.relative_lift, null);
    assert.deepEqual(vs?.lift_ci, [null, null]);
    assert.deepEqual(parsed.sample_ratio_mismatch, { chi_square: 0, p_value: 1, detected: false });
    assert.equal(parsed.summary, 'No variant differs significantly from control yet (n=0).');
  });

  it('should flag a sample ratio mismatch and say so first in the summary', () => {
    const balanced = computeResults({
      experiment: experiment([variant('control', 50), variant('b', 50)]),
      counts: new Map([
        ['control', counts(5030, 0)],
        ['b', counts(4970, 0)],
      ]),
      attributionHours: 24,
    });
    assert.equal(balanced.sample_ratio_mismatch.detected, false);
    // 5300/4700 against 50/50: χ² = 2·300²/5000 = 36, p ≈ 2e-9.
    const broken = computeResults({
      experiment: experiment([variant('control', 50), variant('b', 50)]),
      counts: new Map([
        ['control', counts(5300, 0)],
        ['b', counts(4700, 0)],
      ]),
      attributionHours: 24,
    });
    assertClose(broken.sample_ratio_mismatch.chi_square, 36, 1e-9);
    assert.equal(broken.sample_ratio_mismatch.detected, true);
    assert.match(broken.summary, /^Sample ratio mismatch \(p=<0\.0001\)/);
    assert.match(broken.summary, /No variant differs significantly from control yet \(n=10,000\)\.$/);
  });

  it('should take the variant called control as the baseline wherever it is listed', () => {
    const results = computeResults({
      experiment: experiment([variant('new_ranker', 50), variant('control', 50)]),
      counts: new Map([
        ['new_ranker', counts(100, 10)],
        ['control', counts(100, 20)],
      ]),
      attributionHours: 24,
    });
    assert.equal(results.control_variant, 'control');
    assert.equal(results.variants[1].is_control, true);
    assert.equal(results.variants[1].statistical_significance, undefined);
    assertClose(results.variants[0].statistical_significance?.vs_control.relative_lift ?? null, -0.5, 1e-12);
  });

  it('should describe a significant drop and a baseline without successes in plain words', () => {
    const results = computeResults({
      experiment: experiment([variant('control', 50), variant('b', 50)], ['hide_rate', 'save_rate']),
      counts: new Map([
        ['control', counts(3000, 0, 0, 300)],
        ['b', counts(3000, 0, 40, 180)],
      ]),
      attributionHours: 24,
    });
    assert.match(results.summary, /^b lowers hide rate by 40% \(95% CI -\d+% to -\d+%\), significant; /);
    assert.match(results.summary, /b has a higher save rate than control \(1\.3% vs 0%\), significant \(n=6,000\)\.$/);
    const wilson = proportionInterval(180, 3000);
    assert.deepEqual(results.variants[1].confidence_intervals.hide_rate, [wilson.low, wilson.high]);
  });

  it('should leave untracked metrics out of the summary', () => {
    const results = computeResults({
      experiment: experiment([variant('control', 50), variant('b', 50)], ['click_through_rate']),
      counts: new Map([
        ['control', counts(3000, 300, 0)],
        ['b', counts(3000, 300, 200)],
      ]),
      attributionHours: 24,
    });
    assert.equal(results.variants[1].statistical_significance?.vs_control.by_metric.save_rate.is_significant, true);
    assert.equal(results.summary, 'No variant differs significantly from control yet (n=6,000).');
  });
});
