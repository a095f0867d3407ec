import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ease } from '../algorithms/ease';
import { hybrid } from '../algorithms/hybrid';
import { popularity } from '../algorithms/popularity';
import { Event, trainingDataOf } from '../algorithms/spec-helpers';
import { TrainingData } from '../algorithms/types';
import { chooseParams } from './choose';
import { holdoutOf } from './evaluate';
import { fitAndEvaluate } from './fit';

const OPTIONS = { holdoutFraction: 0.25, maxUsers: Infinity, split: 'time' } as const;

/**
 * Two taste groups of 8 users: group A (users 0-7) rates items 0-5, group B items 6-11, six
 * items each, one a day; items 0-5 have feature 0, items 6-11 feature 1.
 */
function blocks(): TrainingData {
  const events: Event[] = [];
  for (let user = 0; user < 16; user++) {
    const base = user < 8 ? 0 : 6;
    for (let t = 0; t < 6; t++) events.push([user, base + ((user + t) % 6), 1, user * 100 + t]);
  }
  const features = Array.from({ length: 12 }, (_, item) => [item < 6 ? 0 : 1]);
  return trainingDataOf({ numUsers: 16, numItems: 12, events, features, numFeatures: 2 });
}

describe('chooseParams', { timeout: 300_000 }, () => {
  it("should learn hybrid's parts and weights on validation, never worse there than a part alone", () => {
    const { params, trials } = chooseParams(hybrid, blocks(), {}, OPTIONS);
    assert.equal(params.learn_blend, false);
    // Six popularity half-lives, then 4 collaborative candidates × 4 content × 3 popularity weights, content alone, popularity alone.
    assert.equal(trials.length, 6 + 4 * 12 + 2);
    const blends = trials.slice(6);
    const chosen = blends.find(
      (trial) =>
        trial.params.collaborative === params.collaborative &&
        trial.params.collaborative_weight === params.collaborative_weight &&
        trial.params.content_weight === params.content_weight &&
        trial.params.popularity_weight === params.popularity_weight,
    );
    const best = Math.max(...blends.map((trial) => trial.ndcg_at_10));
    assert.equal(chosen?.ndcg_at_10, best);
    // Content alone finds the group (feature) but not the item; popularity alone neither.
    const alone = (content: number, pop: number) =>
      blends.find((trial) => trial.params.content_weight === content && trial.params.popularity_weight === pop);
    assert.ok(best >= (alone(1, 0)?.ndcg_at_10 ?? Infinity));
    assert.ok(best > (alone(0, 1)?.ndcg_at_10 ?? Infinity));
  });

  it('should search the tuning grid one value at a time with tune: true, and drop tune from the params', () => {
    const { params, trials } = chooseParams(ease, blocks(), { tune: true }, OPTIONS);
    // The default λ 800 first, then the grid's other five values.
    assert.deepEqual(
      trials.map((trial) => trial.params.lambda),
      [800, 50, 100, 200, 400, 1600],
    );
    const best = trials.reduce((a, b) => (b.ndcg_at_10 > a.ndcg_at_10 ? b : a));
    assert.equal(params.lambda, best.params.lambda);
    assert.equal(params.tune, undefined);
  });

  it('should take only the defaults and try nothing for an algorithm with nothing to learn or tune', () => {
    assert.deepEqual(chooseParams(ease, blocks(), {}, OPTIONS), { params: ease.defaults, trials: [] });
  });
});

describe('fitAndEvaluate', { timeout: 300_000 }, () => {
  it("should choose params without the holdout: changing the held-out events changes no trial's score", () => {
    const data = blocks();
    const heldOut = holdoutOf(data, OPTIONS.holdoutFraction, Infinity, 'time').test;
    // The holdout's events move to another item; everything before them stays.
    const moved = new Set(Array.from(heldOut.time));
    const changed: TrainingData = {
      ...data,
      events: {
        ...data.events,
        item: data.events.item.map((item, e) => (moved.has(data.events.time[e]) ? (item + 3) % 12 : item)),
      },
    };
    const before = fitAndEvaluate(popularity, data, {}, OPTIONS);
    const after = fitAndEvaluate(popularity, changed, {}, OPTIONS);
    assert.deepEqual(after.trials, before.trials);
    assert.deepEqual(after.params, before.params);
    assert.notDeepEqual(after.metrics, before.metrics);
  });
});
