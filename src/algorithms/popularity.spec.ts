import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { popularity } from './popularity';
import { AlgorithmParams, Judge, Recommender, TrainingData, UserProfile } from './types';
import { assertScores, Event, roundTrip, scoresOf, trainingDataOf, userProfile } from './spec-helpers';

const NOW = 1_700_000_000;
const DAY = 86_400;
const NUM_ITEMS = 5;
// i1 has f0; i2 has f0 and f1; the others have no features.
const FEATURES = [[], [0], [0, 1], [], []];

/** Feedback of the one user: [item, weight, time]. */
type Feedback = [item: number, weight: number, time: number];

// One unit of feedback each on i0 now, i1 one week (one default half-life) ago, i2 two weeks ago;
// i3 only hidden; i4 never touched.
const BASE_EVENTS: Feedback[] = [
  [0, 1, NOW],
  [1, 1, NOW - 7 * DAY],
  [2, 1, NOW - 14 * DAY],
  [3, -1, NOW],
];

function trainingData(events: Feedback[] = BASE_EVENTS): TrainingData {
  const ofUser0 = events.map(([item, weight, time]): Event => [0, item, weight, time]);
  return trainingDataOf({
    numUsers: 1,
    numItems: NUM_ITEMS,
    events: ofUser0,
    features: FEATURES,
    numFeatures: 2,
    referenceTime: NOW,
  });
}

function profile(declaredFeatures: number[] = [], cityIndex = -1): UserProfile {
  return userProfile({ declaredFeatures, cityIndex });
}

function load(params: AlgorithmParams = {}, events?: Feedback[]): Recommender {
  return popularity.load(popularity.train(trainingData(events), params));
}

describe(popularity.name, { timeout: 30_000 }, () => {
  it('should halve an event’s weight per half-life and normalise to the most popular item', () => {
    assertScores(scoresOf(load(), profile(), NUM_ITEMS), [1, 0.5, 0.25, -Infinity, -Infinity]);
  });

  it('should decay by the configured `half_life_days`', () => {
    assertScores(scoresOf(load({ half_life_days: 14 }), profile(), NUM_ITEMS), [
      1,
      Math.SQRT1_2,
      0.5,
      -Infinity,
      -Infinity,
    ]);
  });

  it('should sum positive weights and ignore negative feedback', () => {
    const events: Feedback[] = [
      [0, 1, NOW],
      [3, 2, NOW],
      [3, -1, NOW],
      [3, 1, NOW],
    ];
    assertScores(scoresOf(load({}, events), profile(), NUM_ITEMS), [1 / 3, -Infinity, -Infinity, 1, -Infinity]);
  });

  it('should count an event stamped after the reference time as fresh', () => {
    const events: Feedback[] = [
      [0, 1, NOW],
      [1, 1, NOW + 7 * DAY],
    ];
    assertScores(scoresOf(load({}, events), profile(), NUM_ITEMS), [1, 1, -Infinity, -Infinity, -Infinity]);
  });

  it('should boost by `preference_boost` × the fraction of declared features an item has', () => {
    // i1 matches one of two declared features: 0.5 · (1 + 0.5 · 1/2); i2 both: 0.25 · (1 + 0.5).
    assertScores(scoresOf(load(), profile([0, 1]), NUM_ITEMS), [1, 0.625, 0.375, -Infinity, -Infinity]);
  });

  it('should let declared preferences lift a less popular item above the most popular one', () => {
    const scores = scoresOf(load({ preference_boost: 2 }), profile([0]), NUM_ITEMS);
    assertScores(scores, [1, 1.5, 0.75, -Infinity, -Infinity]);
    assert.ok(scores[1] > scores[0]);
  });

  it('should ignore repeated and unknown declared features', () => {
    assertScores(scoresOf(load(), profile([0, 0, 99]), NUM_ITEMS), scoresOf(load(), profile([0]), NUM_ITEMS));
  });

  it('should explain every item as popular in the user’s city', () => {
    assert.deepEqual(load().explain(profile([], 3), 0), { kind: 'popular', city: 3 });
  });

  it('should count every event in full at half_life_days 0 (no decay)', () => {
    assertScores(scoresOf(load({ half_life_days: 0 }), profile(), NUM_ITEMS), [1, 1, 1, -Infinity, -Infinity]);
  });

  it('should learn no decay where the older items are what the judge rewards, and 3 days where the newest is', () => {
    const scoreOf = (recommender: Recommender, item: number) => scoresOf(recommender, profile(), NUM_ITEMS)[item];
    const olderItem: Judge = (recommenders) => recommenders.map((r) => scoreOf(r, 2));
    const older = popularity.learn?.(trainingData(), {}, olderItem);
    assert.equal(older?.params.half_life_days, 0);
    assert.equal(older?.params.learn_half_life, false);
    // The configured 7 days, then 0 (none), 3, 14, 60 and 365.
    assert.deepEqual(
      older?.trials.map((trial) => trial.params.half_life_days),
      [7, 0, 3, 14, 60, 365],
    );
    const newestItem: Judge = (recommenders) => recommenders.map((r) => scoreOf(r, 0) - scoreOf(r, 2));
    assert.equal(popularity.learn?.(trainingData(), {}, newestItem)?.params.half_life_days, 3);
  });

  it('should learn nothing with learn_half_life false', () => {
    assert.equal(
      popularity.learn?.(trainingData(), { learn_half_life: false }, () => []),
      undefined,
    );
  });

  it('should reject a negative half-life', () => {
    assert.throws(() => popularity.train(trainingData(), { half_life_days: -1 }), RangeError);
  });

  it('should serve the same scores from an artifact that went through the codec', () => {
    const artifact = popularity.train(trainingData(), {});
    const user = profile([0]);
    assert.deepEqual(
      scoresOf(popularity.load(roundTrip(artifact)), user, NUM_ITEMS),
      scoresOf(popularity.load(artifact), user, NUM_ITEMS),
    );
  });
});
