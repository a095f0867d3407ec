import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emptyVariantSums } from '../repositories/impressions.repository';
import { addParticipant, Participant, seededRandom } from '../../test/support/experiment-sums';
import { Experiment, ExperimentVariant } from '../repositories/experiments.repository';
import type { VariantSums } from '../repositories/impressions.repository';
import { cupedAdjust, ratioEstimate } from './estimators';
import { computeResults, metricSums } from './experiment-results';

/**
 * Seeded simulations of what peeking does to a verdict, through computeResults on simulated
 * per-variant sums (the same sums the repository's SQL returns). Users see 1 + Geometric lists
 * (mean 3) and click each with a per-user propensity (half the users at 0.5×, half at 1.5× the
 * base rate), so clicks within a user are correlated, as real ones are.
 */

const BASE_CTR = 0.1;
const READS = 10;

function variant(variant_id: string): ExperimentVariant {
  return { variant_id, name: variant_id, algorithm: 'popularity', params: {}, traffic_percentage: 50 };
}

function experiment(inference: Experiment['inference']): Experiment {
  return {
    id: 'sim',
    name: 'sim',
    description: '',
    status: 'active',
    variants: [variant('control'), variant('treatment')],
    metricsTracked: ['click_through_rate', 'conversion_rate', 'save_rate', 'hide_rate'],
    primaryMetric: 'click_through_rate',
    guardrailMetrics: [],
    inference,
    targetLift: 0.05,
    forcedAssignments: {},
    startAt: 0,
    endAt: null,
    createdAt: 0,
    updatedAt: 0,
  };
}

function simulatedUser(random: () => number, ctr: number): Participant {
  let lists = 1;
  while (random() < 2 / 3) lists++;
  const propensity = ctr * (random() < 0.5 ? 0.5 : 1.5);
  let clicks = 0;
  for (let i = 0; i < lists; i++) if (random() < propensity) clicks++;
  return { lists, clicks };
}

/** Reads the results READS times as users arrive; true when any read calls the primary metric significant. */
function anyReadSignificant(
  random: () => number,
  usersPerArm: number,
  lift: number,
  inference: Experiment['inference'],
): { any: boolean; last: boolean } {
  const control = emptyVariantSums('control');
  const treatment = emptyVariantSums('treatment');
  const design = experiment(inference);
  let any = false;
  let last = false;
  for (let read = 1; read <= READS; read++) {
    const target = Math.round((usersPerArm * read) / READS);
    while (control.n < target) {
      addParticipant(control, simulatedUser(random, BASE_CTR));
      addParticipant(treatment, simulatedUser(random, BASE_CTR * (1 + lift)));
    }
    const results = computeResults({
      experiment: design,
      sums: new Map<string, VariantSums>([
        ['control', control],
        ['treatment', treatment],
      ]),
      attributionHours: 24,
      covariateDays: 14,
      now: 86_400_000,
    });
    last = results.variants[1].statistical_significance?.vs_control.is_significant ?? false;
    any ||= last;
  }
  return { any, last };
}

describe('sequential verdicts under peeking (seeded simulation)', { timeout: 120_000 }, () => {
  it('should keep the false-positive rate of 1,000 A/A experiments read 10 times each at or below 5%', (t) => {
    const random = seededRandom(17);
    let sequential = 0;
    let fixed = 0;
    const experiments = 1000;
    for (let e = 0; e < experiments; e++) {
      if (anyReadSignificant(random, 1000, 0, 'sequential').any) sequential++;
    }
    // The same peeking at fixed-horizon tests, for contrast: the problem the sequential mode solves.
    const contrast = 200;
    for (let e = 0; e < contrast; e++) {
      if (anyReadSignificant(random, 1000, 0, 'fixed_horizon').any) fixed++;
    }
    const rate = sequential / experiments;
    t.diagnostic(`A/A false positives at any of ${READS} reads: sequential ${rate}, fixed-horizon ${fixed / contrast}`);
    assert.ok(rate <= 0.05, `sequential false-positive rate ${rate}`);
    assert.ok(fixed / contrast > 0.1, `peeking at fixed-horizon tests should inflate errors, got ${fixed / contrast}`);
  });

  it('should still detect a real 20% lift in click-through rate: power ≥ 80% by the last of 10 reads at 5,000 users per arm', (t) => {
    const random = seededRandom(42);
    const experiments = 200;
    let detected = 0;
    for (let e = 0; e < experiments; e++) if (anyReadSignificant(random, 5000, 0.2, 'sequential').any) detected++;
    const power = detected / experiments;
    t.diagnostic(`A/B with a 20% lift, 5,000 users per arm, 10 reads: power ${power}`);
    assert.ok(power >= 0.8, `power ${power}`);
  });
});

describe('CUPED variance reduction (seeded simulation)', { timeout: 60_000 }, () => {
  /** Normal pairs with correlation ρ: y = ρ·z + √(1 − ρ²)·e. */
  function correlatedArm(random: () => number, rho: number, users: number, shift: number) {
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const s = { n: 0, sumY: 0, sumX: 0, sumYY: 0, sumXX: 0, sumXY: 0, sumZ: 0, sumZZ: 0, sumYZ: 0, sumXZ: 0 };
    for (let i = 0; i < users; i++) {
      const z = gaussian();
      const y = 10 + shift + rho * z + Math.sqrt(1 - rho * rho) * gaussian();
      s.n++;
      s.sumX += 1;
      s.sumXX += 1;
      s.sumY += y;
      s.sumYY += y * y;
      s.sumXY += y;
      s.sumZ += z;
      s.sumZZ += z * z;
      s.sumYZ += y * z;
      s.sumXZ += z;
    }
    return ratioEstimate(s);
  }

  for (const rho of [0.3, 0.6, 0.9]) {
    it(`should shrink the variance by about ρ² = ${(rho * rho).toFixed(2)} when the covariate correlates at ρ = ${rho}`, () => {
      const random = seededRandom(Math.round(rho * 100));
      const arms = [correlatedArm(random, rho, 20_000, 0), correlatedArm(random, rho, 20_000, 0.1)];
      const { adjusted } = cupedAdjust(arms);
      const reduction = 1 - adjusted[0].variance / arms[0].variance;
      assert.ok(Math.abs(reduction - rho * rho) < 0.03, `reduction ${reduction} for ρ² ${rho * rho}`);
      // The shift survives the adjustment: unbiased.
      assert.ok(Math.abs(adjusted[1].value - adjusted[0].value - 0.1) < 0.03);
    });
  }

  it('should report the reduction on the primary metric when activity before exposure predicts clicks', () => {
    const random = seededRandom(7);
    const sums = ['control', 'treatment'].map((id) => {
      const s = emptyVariantSums(id);
      for (let i = 0; i < 4000; i++) {
        const activity = Math.floor(random() * 10);
        const user = simulatedUser(random, 0.02 + 0.02 * activity);
        addParticipant(s, { ...user, activity });
      }
      return s;
    });
    const results = computeResults({
      experiment: experiment('sequential'),
      sums: new Map(sums.map((s) => [s.variantId, s])),
      attributionHours: 24,
      covariateDays: 14,
      now: 86_400_000,
    });
    const reduction = results.variants[1].statistical_significance?.vs_control.cuped_variance_reduction ?? 0;
    assert.ok(reduction > 0.05, `reduction ${reduction}`);
    assert.equal(
      results.variants[1].statistical_significance?.vs_control.by_metric.save_rate.cuped_variance_reduction,
      null,
    );
    assert.ok(metricSums(sums[0], 'click_through_rate').sumZ > 0);
  });
});
