import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExperimentVariant } from '../repositories/experiments.repository';
import type { VariantSums } from '../repositories/impressions.repository';
import { computeDesign, DesignInput, historyDays } from './design';

const DAY_MS = 86_400_000;

function variant(variant_id: string, traffic_percentage: number): ExperimentVariant {
  return { variant_id, name: variant_id, algorithm: 'popularity', params: {}, traffic_percentage };
}

/** `users` active users of whom `clicked` clicked: one "list" each, 0/1 clicks, as the feedback source sums them. */
function activeSums(users: number, clicked: number): VariantSums {
  const once = { events: clicked, eventsSquared: clicked, eventsTimesLists: clicked, users: clicked };
  const none = { events: 0, eventsSquared: 0, eventsTimesLists: 0, users: 0 };
  const action = (a: typeof once) => ({ ...a, eventsTimesCovariate: 0, usersTimesCovariate: 0 });
  return {
    variantId: '',
    n: users,
    lists: users,
    listsSquared: users,
    covariate: 0,
    covariateSquared: 0,
    listsTimesCovariate: 0,
    actions: { click: action(once), save: action(none), hide: action(none) },
  };
}

function input(sums: VariantSums, changes: Partial<DesignInput['experiment']> = {}): DesignInput {
  return {
    experiment: {
      variants: [variant('control', 50), variant('treatment', 50)],
      primaryMetric: 'conversion_rate',
      inference: 'fixed_horizon',
      targetLift: 0.1,
      ...changes,
    },
    sums,
    source: 'feedback',
    days: 14,
  };
}

describe('duration estimate before an experiment starts (GrowthBook power docs)', { timeout: 10_000 }, () => {
  it('should give the textbook sample size for a 10% lift on a 10% rate, and days at the observed traffic', () => {
    // 14,000 users over 14 days, 1,400 clicked: p = 0.1, σ² = 1260/13999 = 0.0900064 (sample variance).
    // 50/50: m = (z₀.₉₇₅ + z₀.₈)²·σ²·(2 + 2)/(p·0.1)² = 7.848879·0.0900064·4/0.0001 = 28,258.0 → 28,258
    // participants (14,129 per arm, the classic two-proportion formula's answer); 1,000 users a day → 28.258 days.
    const design = computeDesign(input(activeSums(14_000, 1_400)));
    assert.equal(design.source, 'feedback');
    assert.equal(design.baseline_rate, 0.1);
    assert.ok(Math.abs((design.baseline_variance ?? 0) - 1260 / 13999) < 1e-12);
    assert.equal(design.users_per_day, 1000);
    assert.equal(design.reason, null);
    const [t] = design.treatments;
    assert.equal(t.variant_id, 'treatment');
    assert.equal(t.participants_needed, 28258);
    assert.equal(t.participants_per_day, 1000);
    assert.equal(t.estimated_days, 28.258);
    assert.equal(design.estimated_days, 28.258);
  });

  it("should weigh an uneven split and each pair's share of traffic, the slowest pair deciding", () => {
    // control 50%, two treatments at 25%: within a pair q_c = 2/3, q_t = 1/3, so 1/q_c + 1/q_t = 4.5
    // (against 4 for an even pair): 7.848879·0.0900064·4.5/0.0001 = 31,790.3 → 31,791 participants at
    // 750 a day (75% of the traffic) = 42.388 days.
    const design = computeDesign(
      input(activeSums(14_000, 1_400), { variants: [variant('control', 50), variant('b', 25), variant('c', 25)] }),
    );
    assert.deepEqual(
      design.treatments.map((t) => [t.variant_id, t.participants_needed, t.participants_per_day]),
      [
        ['b', 31791, 750],
        ['c', 31791, 750],
      ],
    );
    assert.equal(design.estimated_days, 31791 / 750);
  });

  it('should ask for more participants under sequential inference, whose intervals are wider', () => {
    const design = computeDesign(input(activeSums(14_000, 1_400), { inference: 'sequential' }));
    assert.ok((design.treatments[0].participants_needed ?? 0) > 28258, `${design.treatments[0].participants_needed}`);
  });

  it('should answer nulls with a reason without history or without a baseline', () => {
    const empty = computeDesign(input(activeSums(0, 0)));
    assert.equal(empty.source, null);
    assert.equal(empty.baseline_rate, null);
    assert.equal(empty.users_per_day, null);
    assert.equal(empty.estimated_days, null);
    assert.deepEqual(empty.treatments[0], {
      variant_id: 'treatment',
      participants_needed: null,
      participants_per_day: null,
      estimated_days: null,
    });
    assert.match(empty.reason ?? '', /no feedback in the last 14 days/);

    const noClicks = computeDesign(input(activeSums(500, 0)));
    assert.equal(noClicks.baseline_rate, 0);
    assert.equal(noClicks.estimated_days, null);
    assert.match(noClicks.reason ?? '', /conversion rate was 0 over the last 14 days/);
  });

  it('should count days of history from the oldest row, between one and fourteen', () => {
    const now = 100 * DAY_MS;
    assert.equal(historyDays(now - 3 * DAY_MS, now), 3);
    assert.equal(historyDays(now - DAY_MS / 24, now), 1);
    assert.equal(historyDays(now - 20 * DAY_MS, now), 14);
    assert.equal(historyDays(null, now), 1);
  });
});
