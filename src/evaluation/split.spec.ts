import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Mt19937 } from '../algorithms/mt19937';
import { EventLog } from '../algorithms/types';
import { loadMovieLens } from './movielens';
import { sharedDataDir } from './shared-data';
import { roundHalfEven, stratifiedSplitByItem, timeHoldout } from './split';

const ML_100K = sharedDataDir('ml-100k');
const noMl100k = existsSync(join(ML_100K, 'u.data')) ? false : 'no MovieLens data at ../shared/data/ml-100k';

function log(rows: [user: number, item: number, weight: number][]): EventLog {
  return {
    user: Int32Array.from(rows, (r) => r[0]),
    item: Int32Array.from(rows, (r) => r[1]),
    weight: Float32Array.from(rows, (r) => r[2]),
    time: Float64Array.from(rows, (_, t) => t),
  };
}

describe('Mt19937', { timeout: 300_000 }, () => {
  it("should draw NumPy's np.random.seed(42) doubles", () => {
    const random = new Mt19937(42);
    const draws = [random.nextDouble(), random.nextDouble(), random.nextDouble()];
    assert.deepEqual(
      draws.map((d) => d.toFixed(8)),
      ['0.37454012', '0.95071431', '0.73199394'],
    );
  });
});

describe('roundHalfEven', { timeout: 300_000 }, () => {
  it('should round halves to the even neighbour, like NumPy', () => {
    assert.deepEqual([1.5, 2.5, 4.5, 0.75, 2.25, 3].map(roundHalfEven), [2, 2, 4, 1, 2, 3]);
  });
});

describe('stratifiedSplitByItem', { timeout: 300_000 }, () => {
  it('should put round_half_even(ratio · count) rows of every item in train', () => {
    const items = [7, 7, 3, 7, 3, 7, 7, 7, 9];
    const split = stratifiedSplitByItem(items, 0.75, 42);
    const trainCount = (item: number) => Array.from(split.train).filter((row) => items[row] === item).length;
    // Item 7 has 6 rows: 4.5 → 4; item 3 has 2: 1.5 → 2; item 9 has 1: 0.75 → 1.
    assert.deepEqual([trainCount(7), trainCount(3), trainCount(9)], [4, 2, 1]);
    assert.equal(split.train.length + split.test.length, items.length);
  });

  it('should reproduce the MS Recommenders split of ML-100K', { skip: noMl100k }, () => {
    const movies = loadMovieLens(ML_100K);
    const split = stratifiedSplitByItem(movies.ratings.item, 0.75, 42);
    assert.equal(split.train.length, 75_066);
    assert.equal(split.test.length, 24_934);
    const pairs = Array.from(split.test, (row) => [
      movies.userIds[movies.ratings.user[row]],
      movies.itemIds[movies.ratings.item[row]],
    ]);
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const digest = createHash('sha256')
      .update(pairs.map((p) => p.join('\t')).join('\n'))
      .digest('hex');
    assert.equal(digest, '0618341d09f2d612dd89ea78dbfb85fa85123956286726985048eb3f668eafd1');
  });
});

describe('timeHoldout', { timeout: 300_000 }, () => {
  it("should hold out each user's latest events and keep only positive ones as test", () => {
    const events = log([
      [0, 1, 1],
      [1, 5, 1],
      [0, 2, 1],
      [0, 3, -1],
      [0, 4, 1],
      [1, 6, -1],
      [2, 9, 1],
    ]);
    const { train, test } = timeHoldout(events, 0.5);
    // User 0: 4 events → latest 2 (item 3 negative, item 4); user 1 has one positive event and user 2
    // one event, so both stay whole in train.
    assert.deepEqual([...train.item], [1, 5, 2, 6, 9]);
    assert.deepEqual([...test.user], [0]);
    assert.deepEqual([...test.item], [4]);
  });

  it("should hold out at least one event but never all of a user's events", () => {
    const { train, test } = timeHoldout(
      log([
        [0, 1, 1],
        [0, 2, 1],
      ]),
      0.01,
    );
    assert.deepEqual([...train.item], [1]);
    assert.deepEqual([...test.item], [2]);
    assert.deepEqual(
      [
        ...timeHoldout(
          log([
            [0, 1, 1],
            [0, 2, 1],
          ]),
          0.99,
        ).train.item,
      ],
      [1],
    );
  });
});
