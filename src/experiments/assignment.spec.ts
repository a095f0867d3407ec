import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ASSIGNMENT_BUCKETS, assignVariant, bucketOf, variantForBucket } from './assignment';

const SEEDED_SPLIT = [
  { variant_id: 'control', traffic_percentage: 40 },
  { variant_id: 'collaborative_filtering', traffic_percentage: 30 },
  { variant_id: 'content_based', traffic_percentage: 30 },
];

function syntheticUsers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `user_${i}`);
}

describe('bucketOf', { timeout: 30_000 }, () => {
  it('should pin the hash so a change of algorithm is caught', () => {
    // sha256("rec_algorithm_v1:user_1") starts de2e2eba = 3727568570, and 3727568570 mod 10000 = 8570.
    assert.equal(bucketOf('rec_algorithm_v1', 'user_1'), 8570);
    assert.equal(bucketOf('rec_algorithm_v1', 'user_1', 2 ** 32), 3727568570);
    assert.equal(bucketOf('rec_algorithm_v1', 'user_2'), 393);
  });

  it('should stay within [0, buckets) and reject impossible bucket counts', () => {
    for (const user of syntheticUsers(1000)) {
      const bucket = bucketOf('exp', user, 7);
      assert.ok(Number.isInteger(bucket) && bucket >= 0 && bucket < 7);
    }
    assert.throws(() => bucketOf('exp', 'u', 0), RangeError);
    assert.throws(() => bucketOf('exp', 'u', 2.5), RangeError);
  });
});

describe('variantForBucket', { timeout: 30_000 }, () => {
  it('should cut cumulative ranges in the listed order', () => {
    const at = (bucket: number) => variantForBucket(bucket, SEEDED_SPLIT)?.variant_id;
    assert.equal(at(0), 'control');
    assert.equal(at(3999), 'control');
    assert.equal(at(4000), 'collaborative_filtering');
    assert.equal(at(6999), 'collaborative_filtering');
    assert.equal(at(7000), 'content_based');
    assert.equal(at(ASSIGNMENT_BUCKETS - 1), 'content_based');
  });

  it('should leave buckets past a split below 100% outside the experiment', () => {
    const half = [
      { variant_id: 'a', traffic_percentage: 25 },
      { variant_id: 'b', traffic_percentage: 25 },
    ];
    assert.equal(variantForBucket(4999, half)?.variant_id, 'b');
    assert.equal(variantForBucket(5000, half), null);
    assert.equal(variantForBucket(0, []), null);
  });

  it('should give a 0% variant no buckets and honour hundredths of a percent', () => {
    const split = [
      { variant_id: 'paused', traffic_percentage: 0 },
      { variant_id: 'a', traffic_percentage: 33.33 },
      { variant_id: 'b', traffic_percentage: 33.33 },
      { variant_id: 'c', traffic_percentage: 33.34 },
    ];
    assert.equal(variantForBucket(0, split)?.variant_id, 'a');
    assert.equal(variantForBucket(3332, split)?.variant_id, 'a');
    assert.equal(variantForBucket(3333, split)?.variant_id, 'b');
    assert.equal(variantForBucket(6666, split)?.variant_id, 'c');
    assert.equal(variantForBucket(9999, split)?.variant_id, 'c');
  });

  it('should reject a split over 100%, a negative share and an out-of-range bucket for every bucket', () => {
    const over = [
      { variant_id: 'a', traffic_percentage: 60 },
      { variant_id: 'b', traffic_percentage: 50 },
    ];
    assert.throws(() => variantForBucket(0, over), RangeError);
    assert.throws(() => variantForBucket(0, [{ variant_id: 'a', traffic_percentage: -1 }]), RangeError);
    assert.throws(() => variantForBucket(ASSIGNMENT_BUCKETS, SEEDED_SPLIT), RangeError);
    assert.throws(() => variantForBucket(-1, SEEDED_SPLIT), RangeError);
  });
});

describe('assignVariant', { timeout: 30_000 }, () => {
  it('should give the same (experiment, user) the same variant every time', () => {
    for (const user of syntheticUsers(200)) {
      const first = assignVariant('rec_algorithm_v1', user, SEEDED_SPLIT);
      // A fresh copy of the split, as another replica would load it from the database.
      const again = assignVariant(
        'rec_algorithm_v1',
        user,
        SEEDED_SPLIT.map((v) => ({ ...v })),
      );
      assert.equal(again?.variant_id, first?.variant_id);
    }
  });

  it('should split 20,000 users 40/30/30 within ±1.5 percentage points', () => {
    const users = syntheticUsers(20_000);
    const counts = new Map<string, number>();
    for (const user of users) {
      const variant = assignVariant('rec_algorithm_v1', user, SEEDED_SPLIT);
      assert.ok(variant);
      counts.set(variant.variant_id, (counts.get(variant.variant_id) ?? 0) + 1);
    }
    for (const { variant_id, traffic_percentage } of SEEDED_SPLIT) {
      const share = (100 * (counts.get(variant_id) ?? 0)) / users.length;
      assert.ok(Math.abs(share - traffic_percentage) <= 1.5, `${variant_id}: ${share}% vs ${traffic_percentage}%`);
    }
  });

  it('should reshuffle users when the experiment id changes', () => {
    const users = syntheticUsers(2000);
    const moved = users.filter(
      (user) =>
        assignVariant('rec_algorithm_v1', user, SEEDED_SPLIT)?.variant_id !==
        assignVariant('rec_algorithm_v2', user, SEEDED_SPLIT)?.variant_id,
    ).length;
    // Independent assignments disagree with probability 1 − (0.4² + 0.3² + 0.3²) = 0.66.
    assert.ok(moved / users.length > 0.6 && moved / users.length < 0.72, `${moved} of ${users.length} moved`);
  });
});
