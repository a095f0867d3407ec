/**
 * Deterministic experiment assignment: a user's variant is a pure function of (experiment id,
 * user id) and the experiment's traffic split, so every replica agrees without coordination and
 * a restart never moves anyone. Changing this hash reassigns every running experiment's users,
 * which is why the spec pins a known value.
 */
import { createHash } from 'node:crypto';
import { VariantShare } from '../domain/experiments';

/** 10,000 buckets give traffic percentages a resolution of 0.01 percentage points. */
export const ASSIGNMENT_BUCKETS = 10_000;

/**
 * The user's bucket in [0, buckets): the first 4 bytes of SHA-256 of `${experimentId}:${userId}`
 * read as a big-endian uint32, modulo the bucket count. Including the experiment id decorrelates
 * experiments, so the users in one experiment's control are not the same users in the next one's.
 * The modulo bias is (2^32 mod 10,000) / 2^32 ≈ 2e-6 — far below any measurable effect.
 */
export function bucketOf(experimentId: string, userId: string, buckets = ASSIGNMENT_BUCKETS): number {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 2 ** 32) {
    throw new RangeError(`buckets must be an integer in [1, 2^32], got ${buckets}`);
  }
  const digest = createHash('sha256').update(`${experimentId}:${userId}`, 'utf8').digest();
  return digest.readUInt32BE(0) % buckets;
}

/**
 * The variant whose cumulative range holds the bucket, walking the variants in the listed order:
 * with 40/30/30, buckets 0–3999 are the first, 4000–6999 the second, 7000–9999 the third. The
 * bounds are rounded from cumulative percentages so rounding never accumulates. If the shares add
 * up to less than 100%, buckets past the last range are outside the experiment (null).
 */
export function variantForBucket<T extends VariantShare>(
  bucket: number,
  variants: readonly T[],
  buckets = ASSIGNMENT_BUCKETS,
): T | null {
  if (!Number.isInteger(bucket) || bucket < 0 || bucket >= buckets) {
    throw new RangeError(`bucket must be an integer in [0, ${buckets}), got ${bucket}`);
  }
  const bounds = cumulativeBounds(variants, buckets);
  const index = bounds.findIndex((upper) => bucket < upper);
  return index === -1 ? null : variants[index];
}

/**
 * Exclusive upper bucket bound of each variant's range. The whole list is validated up front so a
 * bad split fails for every user, not just for those whose bucket lies past the error.
 */
function cumulativeBounds(variants: readonly VariantShare[], buckets: number): number[] {
  let cumulativePercentage = 0;
  const bounds = variants.map((variant) => {
    const share = variant.traffic_percentage;
    if (!Number.isFinite(share) || share < 0) {
      throw new RangeError(`variant ${variant.variant_id} has traffic_percentage ${share}; it must be ≥ 0`);
    }
    cumulativePercentage += share;
    return Math.round((cumulativePercentage * buckets) / 100);
  });
  // The tolerance absorbs floating-point sums such as 33.33 + 33.33 + 33.34.
  if (cumulativePercentage > 100 + 1e-9) {
    throw new RangeError(`traffic percentages add up to ${cumulativePercentage}, more than 100`);
  }
  return bounds;
}

/** The variant for a user in an experiment: bucketOf, then variantForBucket. */
export function assignVariant<T extends VariantShare>(
  experimentId: string,
  userId: string,
  variants: readonly T[],
): T | null {
  return variantForBucket(bucketOf(experimentId, userId), variants);
}
