/**
 * Per-variant estimates from sums over participants, with users as the unit of analysis (the
 * user is what assignment randomises; one user's lists are not independent of each other).
 *
 * Every metric is a ratio Σy/Σx over participants: click-through rate is clicks on shown items
 * (y) over lists shown (x); a per-user rate such as conversion has x = 1 for everyone. Its
 * variance comes from the delta method (Deng, Knoblich & Lu 2018, "Applying the Delta Method in
 * Metric Analytics", §2; Kohavi, Tang & Xu 2020, "Trustworthy Online Controlled Experiments",
 * ch. 18): with R = ȳ/x̄ and the per-user linearisation l = (y − R·x)/x̄,
 *   Var(R) ≈ Var(l)/n = (σ²_y − 2R·σ_xy + R²·σ²_x) / (n·x̄²).
 *
 * CUPED (Deng, Xu, Kohavi & Walker 2013, "Improving the Sensitivity of Online Controlled
 * Experiments by Utilizing Pre-Experiment Data") subtracts θ·(z̄ − μ_z) for a covariate z measured
 * before exposure, θ = Cov(l, z)/Var(z): the estimate stays unbiased (z cannot depend on the
 * variant) and its variance shrinks by the factor 1 − ρ², ρ = Corr(l, z).
 */

/** Sums over one variant's participants: y numerator, x denominator, z pre-exposure covariate. */
export interface MetricSums {
  n: number;
  sumY: number;
  sumX: number;
  sumYY: number;
  sumXX: number;
  sumXY: number;
  sumZ: number;
  sumZZ: number;
  sumYZ: number;
  sumXZ: number;
}

export interface RatioEstimate {
  n: number;
  /** Σy/Σx; 0 without data. */
  value: number;
  /** Var(value), delta method; 0 without enough data. */
  variance: number;
  /** Mean of the covariate. */
  covariateMean: number;
  /** Var(z) per user (sample variance). */
  covariateVariance: number;
  /** Cov(l, z) per user. */
  covariance: number;
}

/** Sample covariance from sums, with Bessel's correction; 0 below two users. */
function covariance(n: number, sumA: number, sumB: number, sumAB: number): number {
  if (n < 2) return 0;
  return (sumAB - (sumA * sumB) / n) / (n - 1);
}

export function ratioEstimate(s: MetricSums): RatioEstimate {
  const empty = { n: s.n, value: 0, variance: 0, covariateMean: 0, covariateVariance: 0, covariance: 0 };
  if (s.n === 0 || s.sumX === 0) return empty;
  const value = s.sumY / s.sumX;
  const meanX = s.sumX / s.n;
  const varY = covariance(s.n, s.sumY, s.sumY, s.sumYY);
  const varX = covariance(s.n, s.sumX, s.sumX, s.sumXX);
  const covXY = covariance(s.n, s.sumX, s.sumY, s.sumXY);
  const varL = Math.max(0, (varY - 2 * value * covXY + value * value * varX) / (meanX * meanX));
  const covYZ = covariance(s.n, s.sumY, s.sumZ, s.sumYZ);
  const covXZ = covariance(s.n, s.sumX, s.sumZ, s.sumXZ);
  return {
    n: s.n,
    value,
    variance: varL / s.n,
    covariateMean: s.sumZ / s.n,
    covariateVariance: Math.max(0, covariance(s.n, s.sumZ, s.sumZ, s.sumZZ)),
    covariance: (covYZ - value * covXZ) / meanX,
  };
}

export interface AdjustedEstimate {
  value: number;
  variance: number;
}

/**
 * CUPED-adjusted estimates of the arms compared together, with θ pooled within arms (weights
 * n − 1) and the covariate centred on the mean over all of them. θ = 0 — no adjustment — when
 * the covariate does not vary.
 */
export function cupedAdjust(arms: readonly RatioEstimate[]): { theta: number; adjusted: AdjustedEstimate[] } {
  const weight = (a: RatioEstimate) => Math.max(0, a.n - 1);
  const pooledVarZ = arms.reduce((sum, a) => sum + weight(a) * a.covariateVariance, 0);
  const pooledCov = arms.reduce((sum, a) => sum + weight(a) * a.covariance, 0);
  const theta = pooledVarZ > 0 ? pooledCov / pooledVarZ : 0;
  const total = arms.reduce((sum, a) => sum + a.n, 0);
  const meanZ = total > 0 ? arms.reduce((sum, a) => sum + a.n * a.covariateMean, 0) / total : 0;
  const adjusted = arms.map((a) => {
    if (a.n === 0) return { value: a.value, variance: a.variance };
    const varL = a.variance * a.n;
    const residual = Math.max(0, varL - 2 * theta * a.covariance + theta * theta * a.covariateVariance);
    return { value: a.value - theta * (a.covariateMean - meanZ), variance: residual / a.n };
  });
  return { theta, adjusted };
}

export interface Lift {
  /** treatment / control − 1; NaN without a positive control value. */
  lift: number;
  /** Var(lift), delta method on the ratio of two independent estimates. */
  variance: number;
}

/**
 * Relative lift t/c − 1 and its variance by the delta method: Var(t/c) ≈ Var(t)/c² + t²·Var(c)/c⁴
 * (the arms are independent samples of users).
 */
export function relativeLiftOf(control: AdjustedEstimate, treatment: AdjustedEstimate): Lift {
  const c = control.value;
  const t = treatment.value;
  if (!(c > 0)) return { lift: NaN, variance: NaN };
  return { lift: t / c - 1, variance: treatment.variance / (c * c) + (t * t * control.variance) / c ** 4 };
}
