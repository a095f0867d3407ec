/**
 * Power and duration from the lift's variance at the current sample (GrowthBook, "Technical power
 * details", docs.growthbook.io/statistics/power-technical): a true relative effect Δ is detected
 * with probability `power` once the interval's half-width plus z_power·SE falls to Δ,
 *   MDE(n) = halfWidth(n) + Φ⁻¹(power)·SE(n),
 * and SE² shrinks as 1/n (users are the unit), so the sample that reaches a target effect follows.
 */
import { infer, Inference } from './inference';
import { normalQuantile } from './statistics';

export const DEFAULT_POWER = 0.8;
const MAX_PARTICIPANTS = 1e12;

/** The smallest relative lift detected with `power` at n participants, given the lift's variance there. */
export function minimumDetectableEffect(
  variance: number,
  n: number,
  inference: Inference,
  power = DEFAULT_POWER,
): number {
  const { halfWidth } = infer(1, variance, n, inference);
  if (!Number.isFinite(halfWidth)) return NaN;
  return halfWidth + normalQuantile(power) * Math.sqrt(variance);
}

/**
 * Participants (both arms) needed for MDE to reach `target`, with the per-participant variance seen
 * at n; NaN without a variance to go on, Infinity beyond any plausible sample.
 */
export function participantsNeeded(
  target: number,
  variance: number,
  n: number,
  inference: Inference,
  power = DEFAULT_POWER,
): number {
  if (!(target > 0) || !(variance > 0) || !(n > 1)) return NaN;
  const mdeAt = (m: number) => minimumDetectableEffect((variance * n) / m, m, inference, power);
  let high = n;
  while (mdeAt(high) > target) {
    high *= 2;
    if (high > MAX_PARTICIPANTS) return Infinity;
  }
  let low = 2;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (mdeAt(mid) > target) low = mid;
    else high = mid;
  }
  return high;
}

/** Days until `needed` participants at `perDay`; 0 when already there, NaN without traffic. */
export function daysToReach(needed: number, current: number, perDay: number): number {
  if (!Number.isFinite(needed)) return needed;
  if (needed <= current) return 0;
  if (!(perDay > 0)) return NaN;
  return (needed - current) / perDay;
}
