/**
 * The duration estimate an experiment gets before it has data: the primary metric's baseline and
 * per-user variance from the traffic of the last days, the users per day who would enter, and the
 * participants `target_lift` needs with 80% power under the declared inference (GrowthBook,
 * "Power analysis", docs.growthbook.io/statistics/power: the same MDE formula as the results'
 * power, fed with pre-experiment variance). Under the null both arms have the baseline rate p and
 * per-user variance σ², so with m participants split q_c : q_t between control and a treatment,
 *   Var(lift) = σ²/(p²·m) · (1/q_c + 1/q_t)
 * (relativeLiftOf's delta method at t = c); in fixed-horizon mode this is the textbook sample size
 * m = (z₁₋α/₂ + z_power)² · σ²·(1/q_c + 1/q_t) / (p·target)².
 */
import { controlVariantOf, MetricName } from '../domain/experiments';
import { Experiment } from '../repositories/experiments.repository';
import type { VariantSums } from '../repositories/impressions.repository';
import { ratioEstimate } from './estimators';
import { CONFIDENCE_LEVEL, METRIC_LABEL, metricSums } from './experiment-results';
import type { DesignDto } from './experiments.dto';
import { DEFAULT_POWER, participantsNeeded } from './power';

export const DESIGN_HISTORY_DAYS = 14;
const DAY_MS = 86_400_000;
/** Any sample works: participantsNeeded rescales the variance as 1/n from here. */
const REFERENCE_N = 1000;

export type BaselineSource = 'impressions' | 'feedback';

export interface DesignInput {
  experiment: Pick<Experiment, 'variants' | 'primaryMetric' | 'inference' | 'targetLift'>;
  /** Per-user sums over the history window; for `feedback`, one "list" per active user. */
  sums: VariantSums;
  source: BaselineSource;
  /** Days of history the sums cover (at least one). */
  days: number;
}

/** Days of history from the oldest row to now, at least one so a few hours do not extrapolate wildly. */
export function historyDays(firstAt: number | null, now: number): number {
  if (firstAt === null) return 1;
  return Math.min(DESIGN_HISTORY_DAYS, Math.max(1, (now - firstAt) / DAY_MS));
}

export function computeDesign(input: DesignInput): DesignDto {
  const { experiment, sums, source } = input;
  const metric = experiment.primaryMetric;
  const estimate = ratioEstimate(metricSums(sums, metric));
  const p = estimate.value;
  const perUserVariance = estimate.variance * estimate.n;
  const usersPerDay = sums.n / input.days;
  const base = {
    primary_metric: metric,
    target_lift: experiment.targetLift,
    power: DEFAULT_POWER,
    confidence_level: CONFIDENCE_LEVEL,
    history_days: DESIGN_HISTORY_DAYS,
    source: sums.n > 0 ? source : null,
    baseline_rate: sums.n > 0 ? p : null,
    baseline_variance: sums.n > 0 ? perUserVariance : null,
    users_per_day: sums.n > 0 ? usersPerDay : null,
  };
  const reason = missingBaseline(sums.n, p, perUserVariance, metric);
  const control = controlVariantOf(experiment.variants);
  const inference = { mode: experiment.inference, alpha: 1 - CONFIDENCE_LEVEL };
  const treatments = experiment.variants
    .filter((v) => v !== control)
    .map((t) => {
      const pair = control.traffic_percentage + t.traffic_percentage;
      const spread = pair / control.traffic_percentage + pair / t.traffic_percentage;
      const variance = (perUserVariance * spread) / (p * p * REFERENCE_N);
      const needed =
        reason === null ? participantsNeeded(experiment.targetLift, variance, REFERENCE_N, inference) : NaN;
      const perDay = (usersPerDay * pair) / 100;
      return {
        variant_id: t.variant_id,
        participants_needed: Number.isFinite(needed) ? needed : null,
        participants_per_day: reason === null ? perDay : null,
        estimated_days: Number.isFinite(needed) ? needed / perDay : null,
      };
    });
  const days = treatments.map((t) => t.estimated_days);
  const slowest = days.every((d) => d !== null) ? Math.max(...days) : null;
  return {
    ...base,
    estimated_days: slowest,
    reason: reason ?? (slowest === null ? 'the target lift needs more participants than any plausible sample' : null),
    treatments,
  };
}

function missingBaseline(users: number, p: number, variance: number, metric: MetricName): string | null {
  const label = METRIC_LABEL[metric];
  if (users === 0) return `no feedback in the last ${DESIGN_HISTORY_DAYS} days to estimate ${label} and traffic from`;
  if (!(p > 0)) return `${label} was 0 over the last ${DESIGN_HISTORY_DAYS} days: no baseline to measure a lift from`;
  if (!(variance > 0)) return `${label} did not vary between users over the last ${DESIGN_HISTORY_DAYS} days`;
  return null;
}
