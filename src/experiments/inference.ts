/**
 * Intervals and p-values for a treatment's lift over control, in two modes.
 *
 * - `sequential` (the default): an asymptotic confidence sequence (Waudby-Smith, Arbour,
 *   Sinha, Kennedy & Ramdas 2023, "Time-uniform central limit theory and asymptotic confidence
 *   sequences", Annals of Statistics; eq. for the Robbins normal mixture, as GrowthBook's
 *   sequential testing uses it: docs.growthbook.io/statistics/sequential). With n participants,
 *   σ̂² = n·Var(estimate) and the mixing parameter ρ,
 *     half-width = σ̂ · √( 2(nρ² + 1)/(n²ρ²) · ln(√(nρ² + 1)/α) ),
 *   which holds at every n simultaneously with probability 1 − α: the results may be read after
 *   every user and stopped whenever they look decisive. ρ is chosen so the sequence is tightest at
 *   n* participants: ρ² = (−2 ln α + ln(−2 ln α + 1))/n* (their approximation, as GrowthBook's
 *   "tuning parameter" n* = 5,000). The matching always-valid p-value is the smallest α whose
 *   sequence excludes 0 at this n with ρ fixed:
 *     p = min(1, √(nρ² + 1) · exp(−z²·nρ² / (2(nρ² + 1)))),  z = estimate/SE,
 *   the normal-mixture SPRT p-value of Johari, Pekelis & Walsh (2017, "Always valid inference").
 * - `fixed_horizon`: the usual z-interval and two-sided p-value, valid only when the results are
 *   read once, at a sample size fixed in advance.
 */
import { normalCdf, normalQuantile } from './statistics';

export const INFERENCE_MODES = ['sequential', 'fixed_horizon'] as const;
export type InferenceMode = (typeof INFERENCE_MODES)[number];

/** Participants (both arms) at which the confidence sequence is tightest, as GrowthBook's default. */
export const SEQUENTIAL_TUNING_N = 5000;

export interface Inference {
  mode: InferenceMode;
  alpha: number;
}

/** ρ² tuned for n* participants (Waudby-Smith et al. 2023, the closed-form approximation). */
export function mixingRho2(alpha: number, tuningN = SEQUENTIAL_TUNING_N): number {
  const l = -2 * Math.log(alpha);
  return (l + Math.log(l + 1)) / tuningN;
}

/** Half-width of the asymptotic confidence sequence for an estimate with this variance at n participants. */
export function sequentialHalfWidth(variance: number, n: number, alpha: number, tuningN = SEQUENTIAL_TUNING_N): number {
  if (!(n > 0) || !(variance >= 0)) return Infinity;
  const rho2 = mixingRho2(alpha, tuningN);
  const sigma = Math.sqrt(variance * n);
  const nr = n * rho2;
  return sigma * Math.sqrt(((2 * (nr + 1)) / (n * n * rho2)) * Math.log(Math.sqrt(nr + 1) / alpha));
}

/** The always-valid p-value matching sequentialHalfWidth (ρ tuned at `alpha`). */
export function sequentialPValue(
  estimate: number,
  variance: number,
  n: number,
  alpha: number,
  tuningN = SEQUENTIAL_TUNING_N,
): number {
  if (!(n > 0) || !(variance > 0) || !Number.isFinite(estimate)) return 1;
  const nr = n * mixingRho2(alpha, tuningN);
  const z2 = (estimate * estimate) / variance;
  return Math.min(1, Math.sqrt(nr + 1) * Math.exp((-z2 * nr) / (2 * (nr + 1))));
}

export interface IntervalResult {
  pValue: number;
  low: number;
  high: number;
  halfWidth: number;
}

/** p-value and interval of an estimate (e.g. a lift) under the chosen mode; n = participants in both arms. */
export function infer(estimate: number, variance: number, n: number, inference: Inference): IntervalResult {
  if (!Number.isFinite(estimate) || !Number.isFinite(variance) || !(variance > 0) || !(n > 1)) {
    return { pValue: 1, low: NaN, high: NaN, halfWidth: NaN };
  }
  const halfWidth =
    inference.mode === 'sequential'
      ? sequentialHalfWidth(variance, n, inference.alpha)
      : normalQuantile(1 - inference.alpha / 2) * Math.sqrt(variance);
  const pValue =
    inference.mode === 'sequential'
      ? sequentialPValue(estimate, variance, n, inference.alpha)
      : Math.min(1, 2 * normalCdf(-Math.abs(estimate) / Math.sqrt(variance)));
  return { pValue, low: estimate - halfWidth, high: estimate + halfWidth, halfWidth };
}
