/**
 * Statistics for A/B experiment results: conversion-rate intervals, the difference between two
 * variants, the relative lift with its interval, multiple-comparison correction and the
 * sample-ratio-mismatch test. Pure functions of counts, so they are cheap to test against textbook
 * answers and carry no framework or I/O.
 *
 * Conventions: invalid input (negative or fractional counts, successes > trials, probabilities
 * outside their range) throws a RangeError because it means a bug upstream. A quantity that is
 * merely undefined for the data seen so far (a lift over a zero baseline) is NaN, which JSON
 * serialises as null.
 */

export interface Counts {
  successes: number;
  trials: number;
}

export interface ProportionInterval {
  proportion: number;
  low: number;
  high: number;
}

export interface ZTestResult {
  z: number;
  pValue: number;
}

export interface LiftInterval {
  lift: number;
  low: number;
  high: number;
}

export interface ChiSquareResult {
  statistic: number;
  degreesOfFreedom: number;
  pValue: number;
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * Standard normal CDF, Hart's algorithm 5666 as given by West (2005), "Better approximations to
 * cumulative normal functions": a rational approximation with an absolute error below 1e-14, and
 * a continued fraction for the far tail. Computing the tail directly (instead of 1 − Φ) keeps small
 * p-values accurate.
 */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const tail = upperTail(Math.abs(z));
  return z > 0 ? 1 - tail : tail;
}

const HART_NUMERATOR = [
  3.52624965998911e-2, 0.700383064443688, 6.37396220353165, 33.912866078383, 112.079291497871, 221.213596169931,
  220.206867912376,
];
const HART_DENOMINATOR = [
  8.83883476483184e-2, 1.75566716318264, 16.064177579207, 86.7807322029461, 296.564248779674, 637.333633378831,
  793.826512519948, 440.413735824752,
];

/** P(Z > x) for x ≥ 0; the density underflows to 0 past x ≈ 38.6, and so does the result. */
function upperTail(x: number): number {
  const density = Math.exp((-x * x) / 2);
  // 10/√2: beyond it Hart switches from the rational function to the continued fraction.
  if (x >= 7.07106781186547) {
    const fraction = x + 1 / (x + 2 / (x + 3 / (x + 4 / (x + 0.65))));
    return density / fraction / SQRT_2PI;
  }
  return (density * horner(x, HART_NUMERATOR)) / horner(x, HART_DENOMINATOR);
}

/** Polynomial value by Horner's rule; coefficients from the highest power down. */
function horner(x: number, coefficients: readonly number[]): number {
  return coefficients.reduce((sum, c) => sum * x + c, 0);
}

const ACKLAM_A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
];
const ACKLAM_B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const ACKLAM_C = [
  -7.784894002430293e-3, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const ACKLAM_D = [7.784695709041462e-3, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const ACKLAM_P_LOW = 0.02425;

/**
 * Inverse of the standard normal CDF. Acklam's rational approximation (relative error 1.15e-9)
 * followed by one Halley step against normalCdf, which brings it to near double precision.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile needs 0 ≤ p ≤ 1, got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const x = acklam(p);
  const error = normalCdf(x) - p;
  const u = error * SQRT_2PI * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

function acklam(p: number): number {
  if (p < ACKLAM_P_LOW) return acklamTail(p);
  if (p > 1 - ACKLAM_P_LOW) return -acklamTail(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (q * horner(r, ACKLAM_A)) / (horner(r, ACKLAM_B) * r + 1);
}

/** The lower-tail branch, for p < ACKLAM_P_LOW (the upper tail uses symmetry). */
function acklamTail(p: number): number {
  const q = Math.sqrt(-2 * Math.log(p));
  return horner(q, ACKLAM_C) / (horner(q, ACKLAM_D) * q + 1);
}

/** Two-sided critical value, e.g. 1.959964 for 95%. */
function criticalValue(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return normalQuantile(1 - (1 - confidence) / 2);
}

function assertCounts(successes: number, trials: number): void {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials) {
    throw new RangeError(`counts must be integers with 0 ≤ successes ≤ trials, got ${successes}/${trials}`);
  }
}

/**
 * Wilson score interval for a proportion. Chosen over the textbook Wald interval (p ± z·SE)
 * because Wald collapses to zero width when no trial (or every trial) succeeded and undercovers
 * badly for the small counts and low rates a young experiment has; Wilson stays inside [0, 1] and
 * keeps close to its nominal coverage. With no trials the proportion is reported as 0 with the uninformative [0, 1].
 */
export function proportionInterval(successes: number, trials: number, confidence = 0.95): ProportionInterval {
  assertCounts(successes, trials);
  const z = criticalValue(confidence);
  if (trials === 0) return { proportion: 0, low: 0, high: 1 };
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const centre = (p + z2n / 2) / (1 + z2n);
  const halfWidth = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials));
  return { proportion: p, low: Math.max(0, centre - halfWidth), high: Math.min(1, centre + halfWidth) };
}

/**
 * Pooled two-proportion z-test, two-sided; z is positive when the first rate is higher. With an
 * empty arm, or when neither arm varies (all or none converted), there is no evidence of a
 * difference: z = 0, p = 1.
 */
export function twoProportionZTest(s1: number, n1: number, s2: number, n2: number): ZTestResult {
  assertCounts(s1, n1);
  assertCounts(s2, n2);
  if (n1 === 0 || n2 === 0) return { z: 0, pValue: 1 };
  const pooled = (s1 + s2) / (n1 + n2);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (standardError === 0) return { z: 0, pValue: 1 };
  const z = (s1 / n1 - s2 / n2) / standardError;
  return { z, pValue: Math.min(1, 2 * normalCdf(-Math.abs(z))) };
}

/**
 * Relative lift of treatment over control, treatment rate / control rate − 1, with a confidence
 * interval from the delta method on the log of the rate ratio: Var(ln p̂) ≈ (1 − p)/(n·p) for each
 * arm, so SE(ln RR) = √((1 − p_t)/s_t + (1 − p_c)/s_c). Working on the log scale makes the interval
 * asymmetric and never below −100%, as a ratio's should be. The lift is NaN without a positive
 * control rate; the interval is NaN until both arms have at least one success (the log is undefined).
 */
export function relativeLift(control: Counts, treatment: Counts, confidence = 0.95): LiftInterval {
  assertCounts(control.successes, control.trials);
  assertCounts(treatment.successes, treatment.trials);
  const z = criticalValue(confidence);
  if (control.successes === 0 || treatment.trials === 0) return { lift: NaN, low: NaN, high: NaN };
  const controlRate = control.successes / control.trials;
  const treatmentRate = treatment.successes / treatment.trials;
  const lift = treatmentRate / controlRate - 1;
  if (treatment.successes === 0) return { lift, low: NaN, high: NaN };
  const logRatio = Math.log(treatmentRate / controlRate);
  const standardError = Math.sqrt((1 - treatmentRate) / treatment.successes + (1 - controlRate) / control.successes);
  return {
    lift,
    low: Math.exp(logRatio - z * standardError) - 1,
    high: Math.exp(logRatio + z * standardError) - 1,
  };
}

/**
 * Holm–Bonferroni step-down adjusted p-values, in the input order. Comparing each adjusted value
 * with α controls the family-wise error rate across all variant-vs-control comparisons while being
 * uniformly more powerful than plain Bonferroni. Running maximum keeps them monotone; capped at 1.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  for (const p of pValues) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`p-values must be in [0, 1], got ${p}`);
  }
  const m = pValues.length;
  const order = pValues.map((_, index) => index).sort((a, b) => pValues[a] - pValues[b]);
  const adjusted = new Array<number>(m);
  let runningMax = 0;
  order.forEach((index, rank) => {
    runningMax = Math.max(runningMax, Math.min(1, (m - rank) * pValues[index]));
    adjusted[index] = runningMax;
  });
  return adjusted;
}

/**
 * Pearson's chi-square goodness-of-fit test of observed counts against expected shares, used for
 * the sample-ratio-mismatch check (participants per variant vs traffic percentages). The shares
 * are normalised by their sum, so traffic percentages can be passed as they are. Every share must
 * be positive: a variant with no traffic share has nothing to be compared against.
 */
export function chiSquareGoodnessOfFit(
  observed: readonly number[],
  expectedProportions: readonly number[],
): ChiSquareResult {
  if (observed.length !== expectedProportions.length) {
    throw new RangeError(
      `observed has ${observed.length} categories, expected proportions ${expectedProportions.length}`,
    );
  }
  if (observed.length < 2) throw new RangeError('a goodness-of-fit test needs at least two categories');
  if (observed.some((count) => !Number.isInteger(count) || count < 0)) {
    throw new RangeError('observed counts must be non-negative integers');
  }
  if (expectedProportions.some((share) => !(share > 0 && Number.isFinite(share)))) {
    throw new RangeError('expected proportions must be positive and finite');
  }
  const degreesOfFreedom = observed.length - 1;
  const total = observed.reduce((sum, count) => sum + count, 0);
  if (total === 0) return { statistic: 0, degreesOfFreedom, pValue: 1 };
  const shareSum = expectedProportions.reduce((sum, share) => sum + share, 0);
  const statistic = observed.reduce((sum, count, i) => {
    const expected = (total * expectedProportions[i]) / shareSum;
    return sum + (count - expected) ** 2 / expected;
  }, 0);
  return { statistic, degreesOfFreedom, pValue: chiSquareSurvival(statistic, degreesOfFreedom) };
}

/** P(X ≥ statistic) for X ~ χ²(degreesOfFreedom), i.e. Q(df/2, statistic/2). */
export function chiSquareSurvival(statistic: number, degreesOfFreedom: number): number {
  if (!(degreesOfFreedom > 0)) throw new RangeError(`degrees of freedom must be positive, got ${degreesOfFreedom}`);
  if (!(statistic >= 0)) throw new RangeError(`a chi-square statistic must be ≥ 0, got ${statistic}`);
  return regularizedGammaQ(degreesOfFreedom / 2, statistic / 2);
}

const GAMMA_EPSILON = 1e-15;
const GAMMA_MAX_ITERATIONS = 10_000;
const FLOATING_MIN = 1e-300;

/**
 * Regularised upper incomplete gamma Q(a, x), Numerical Recipes (2nd ed., §6.2): the series
 * converges fast for x < a + 1 and the continued fraction for x ≥ a + 1; each is used where it
 * converges fast, and Q is taken directly from the continued fraction so small p-values keep their
 * precision.
 */
function regularizedGammaQ(a: number, x: number): number {
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - lowerGammaSeries(a, x) : upperGammaContinuedFraction(a, x);
}

/** e^(−x)·x^a / Γ(a), the factor shared by both expansions. */
function gammaPrefactor(a: number, x: number): number {
  return Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** P(a, x) by its series expansion. */
function lowerGammaSeries(a: number, x: number): number {
  let denominator = a;
  let term = 1 / a;
  let sum = term;
  for (let n = 0; n < GAMMA_MAX_ITERATIONS; n++) {
    denominator += 1;
    term *= x / denominator;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * GAMMA_EPSILON) return sum * gammaPrefactor(a, x);
  }
  throw new Error(`incomplete gamma series did not converge for a=${a}, x=${x}`);
}

/** Q(a, x) by its continued fraction, evaluated with the modified Lentz method. */
function upperGammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / FLOATING_MIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= GAMMA_MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FLOATING_MIN) d = FLOATING_MIN;
    c = b + an / c;
    if (Math.abs(c) < FLOATING_MIN) c = FLOATING_MIN;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < GAMMA_EPSILON) return h * gammaPrefactor(a, x);
  }
  throw new Error(`incomplete gamma continued fraction did not converge for a=${a}, x=${x}`);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(a) for a > 0, Lanczos approximation (g = 7, n = 9; about 15 significant digits). */
function logGamma(a: number): number {
  if (a < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * a)) - logGamma(1 - a);
  const x = a - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}
