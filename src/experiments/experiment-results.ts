/**
 * An experiment's results as a pure function of per-variant sums over participants: each metric
 * per variant with its interval, each treatment against control on every metric (relative lift,
 * always-valid or fixed-horizon interval and p-value, Holm across treatments), CUPED on the
 * primary metric, guardrail breaches, power and duration, the sample-ratio-mismatch check and a
 * sentence a product manager can act on. The verdict is the primary metric's alone; the others
 * are exploratory. Undefined quantities come out as null, never NaN; no data gives zeros.
 */
import { controlVariantOf, HARMFUL_DIRECTION, METRICS, MetricName } from '../domain/experiments';
import { toIso } from '../domain/time';
import { Experiment, ExperimentVariant } from '../repositories/experiments.repository';
import { AttributedAction, emptyVariantSums, VariantSums } from '../repositories/impressions.repository';
import { cupedAdjust, MetricSums, ratioEstimate, RatioEstimate, relativeLiftOf } from './estimators';
import type { ComparisonDto, ExperimentResultsDto, GuardrailDto, PowerDto, VariantResultDto } from './experiments.dto';
import { infer, Inference } from './inference';
import { daysToReach, minimumDetectableEffect, participantsNeeded } from './power';
import { chiSquareGoodnessOfFit, holmAdjust } from './statistics';

export const CONFIDENCE_LEVEL = 0.95;
const ALPHA = 1 - CONFIDENCE_LEVEL;
/** Strict on purpose: with many looks at a live experiment, 0.05 would cry wolf every few weeks. */
const SRM_P_THRESHOLD = 0.001;
const DAY_MS = 86_400_000;
/** Built once: toLocaleString builds a formatter per call, which dominated computing results. */
const THOUSANDS = new Intl.NumberFormat('en-US');

export const METRIC_LABEL: Record<MetricName, string> = {
  click_through_rate: 'click-through rate',
  conversion_rate: 'conversion rate',
  save_rate: 'save rate',
  hide_rate: 'hide rate',
};

const METRIC_ACTION: Record<MetricName, AttributedAction> = {
  click_through_rate: 'click',
  conversion_rate: 'click',
  save_rate: 'save',
  hide_rate: 'hide',
};

export interface ResultsInput {
  experiment: Experiment;
  /** By variant id; a variant without an entry has no data yet. */
  sums: ReadonlyMap<string, VariantSums>;
  attributionHours: number;
  covariateDays: number;
  /** Participants per variant expected from the splits in force over time (SRM check), by variant id. */
  expectedShares?: ReadonlyMap<string, number>;
  now: number;
}

/** The sums of one metric: per-list rates divide by lists shown, conversion by participants. */
export function metricSums(s: VariantSums, metric: MetricName): MetricSums {
  const a = s.actions[METRIC_ACTION[metric]];
  // Conversion: y = 1 if the participant clicked at all, x = 1 for everyone.
  const perUser = metric === 'conversion_rate';
  return {
    n: s.n,
    sumY: perUser ? a.users : a.events,
    sumYY: perUser ? a.users : a.eventsSquared,
    sumX: perUser ? s.n : s.lists,
    sumXX: perUser ? s.n : s.listsSquared,
    sumXY: perUser ? a.users : a.eventsTimesLists,
    sumZ: s.covariate,
    sumZZ: s.covariateSquared,
    sumYZ: perUser ? a.usersTimesCovariate : a.eventsTimesCovariate,
    sumXZ: perUser ? s.covariate : s.listsTimesCovariate,
  };
}

export function computeResults(input: ResultsInput): ExperimentResultsDto {
  const { experiment } = input;
  const inference: Inference = { mode: experiment.inference, alpha: ALPHA };
  const control = controlVariantOf(experiment.variants);
  const sumsOf = (v: ExperimentVariant) => input.sums.get(v.variant_id) ?? emptyVariantSums(v.variant_id);
  const treatments = experiment.variants.filter((v) => v !== control);
  const primary = experiment.primaryMetric;

  const comparisons = Object.fromEntries(
    METRICS.map((metric) => [
      metric,
      compareMetric(sumsOf(control), treatments.map(sumsOf), metric, inference, metric === primary),
    ]),
  ) as Record<MetricName, Comparison[]>;

  const variants: VariantResultDto[] = experiment.variants.map((v) => {
    const s = sumsOf(v);
    const result: VariantResultDto = {
      variant_id: v.variant_id,
      name: v.name,
      algorithm: v.algorithm,
      traffic_percentage: v.traffic_percentage,
      is_control: v === control,
      participants: s.n,
      impressions: s.lists,
      clicks: s.actions.click.events,
      saves: s.actions.save.events,
      hides: s.actions.hide.events,
      users_clicked: s.actions.click.users,
      users_saved: s.actions.save.users,
      users_hid: s.actions.hide.users,
      metrics: { click_through_rate: 0, conversion_rate: 0, save_rate: 0, hide_rate: 0 },
      confidence_intervals: {
        click_through_rate: [null, null],
        conversion_rate: [null, null],
        save_rate: [null, null],
        hide_rate: [null, null],
      },
    };
    for (const metric of METRICS) {
      const estimate = ratioEstimate(metricSums(s, metric));
      const interval = infer(estimate.value, estimate.variance, estimate.n, inference);
      result.metrics[metric] = estimate.value;
      // A share of participants cannot pass 1; a per-list rate can (several clicks on one list).
      const ceiling = metric === 'conversion_rate' ? 1 : Infinity;
      result.confidence_intervals[metric] = [
        finiteOrNull(Math.max(0, interval.low)),
        finiteOrNull(Math.min(ceiling, interval.high)),
      ];
    }
    const index = treatments.indexOf(v);
    if (index >= 0) {
      const byMetric = Object.fromEntries(METRICS.map((m) => [m, comparisons[m][index].dto])) as Record<
        MetricName,
        ComparisonDto
      >;
      result.statistical_significance = { vs_control: { metric: primary, ...byMetric[primary], by_metric: byMetric } };
    }
    return result;
  });

  const participants = variants.reduce((sum, v) => sum + v.participants, 0);
  const shares = variants.map((v) => input.expectedShares?.get(v.variant_id) ?? v.traffic_percentage);
  const srm = chiSquareGoodnessOfFit(
    variants.map((v) => v.participants),
    shares.map((share) => Math.max(share, Number.MIN_VALUE)),
  );
  const sampleRatioMismatch = {
    chi_square: srm.statistic,
    p_value: srm.pValue,
    detected: srm.pValue < SRM_P_THRESHOLD,
  };
  const guardrails = experiment.guardrailMetrics.flatMap((metric) =>
    treatments.map((t, i) => guardrail(t.variant_id, metric, comparisons[metric][i].dto)),
  );
  const power = treatments.map((t, i) =>
    powerOf(t.variant_id, comparisons[primary][i], experiment, inference, input.now),
  );
  return {
    experiment_id: experiment.id,
    name: experiment.name,
    status: experiment.status,
    start_date: toIso(experiment.startAt),
    end_date: toIso(experiment.endAt),
    participants,
    impressions: variants.reduce((sum, v) => sum + v.impressions, 0),
    control_variant: control.variant_id,
    primary_metric: primary,
    guardrail_metrics: experiment.guardrailMetrics,
    inference: experiment.inference,
    attribution_hours: input.attributionHours,
    cuped_covariate_days: input.covariateDays,
    confidence_level: CONFIDENCE_LEVEL,
    variants,
    guardrails,
    power,
    sample_ratio_mismatch: sampleRatioMismatch,
    summary: summarise(variants, primary, guardrails, power, participants, sampleRatioMismatch, experiment.inference),
  };
}

interface Comparison {
  dto: ComparisonDto;
  /** Var(lift) at the current sample, for power and duration. */
  variance: number;
  n: number;
}

/**
 * Every treatment against control on one metric; Holm's correction is across the treatments.
 * CUPED applies to the primary metric only: its reduction is what the duration estimate assumes.
 */
function compareMetric(
  control: VariantSums,
  treatments: VariantSums[],
  metric: MetricName,
  inference: Inference,
  isPrimary: boolean,
): Comparison[] {
  const base = ratioEstimate(metricSums(control, metric));
  const rows = treatments.map((t) => {
    const arm = ratioEstimate(metricSums(t, metric));
    const raw = relativeLiftOf(base, arm);
    const cuped = isPrimary ? cupedComparison(base, arm) : undefined;
    const lift = cuped && Number.isFinite(cuped.variance) && cuped.variance > 0 ? cuped : raw;
    const n = base.n + arm.n;
    const interval = infer(lift.lift, lift.variance, n, inference);
    const reduction = cuped && raw.variance > 0 ? 1 - cuped.variance / raw.variance : null;
    return { lift, interval, n, reduction };
  });
  const adjusted = holmAdjust(rows.map((r) => r.interval.pValue));
  return rows.map((r, i) => ({
    variance: r.lift.variance,
    n: r.n,
    dto: {
      p_value: r.interval.pValue,
      p_value_adjusted: adjusted[i],
      is_significant: adjusted[i] < ALPHA,
      confidence_level: CONFIDENCE_LEVEL,
      inference: inference.mode,
      role: isPrimary ? 'primary' : 'exploratory',
      relative_lift: finiteOrNull(r.lift.lift),
      lift_ci: [finiteOrNull(r.interval.low), finiteOrNull(r.interval.high)],
      cuped_variance_reduction: r.reduction === null ? null : finiteOrNull(r.reduction),
    },
  }));
}

function cupedComparison(control: RatioEstimate, treatment: RatioEstimate) {
  const { adjusted } = cupedAdjust([control, treatment]);
  return relativeLiftOf(adjusted[0], adjusted[1]);
}

function guardrail(variantId: string, metric: MetricName, c: ComparisonDto): GuardrailDto {
  const harmful = HARMFUL_DIRECTION[metric];
  const [low, high] = c.lift_ci;
  // A breach is harm the interval is sure of: entirely above 0 for a rise, below 0 for a fall.
  const breached = harmful === 'rise' ? low !== null && low > 0 : high !== null && high < 0;
  return {
    variant_id: variantId,
    metric,
    harmful_direction: harmful,
    breached,
    relative_lift: c.relative_lift,
    lift_ci: c.lift_ci,
  };
}

function powerOf(
  variantId: string,
  c: Comparison,
  experiment: Experiment,
  inference: Inference,
  now: number,
): PowerDto {
  const mde = minimumDetectableEffect(c.variance, c.n, inference);
  const needed = participantsNeeded(experiment.targetLift, c.variance, c.n, inference);
  const days = experiment.startAt === null ? 0 : Math.max(now - experiment.startAt, 0) / DAY_MS;
  // The pair's own inflow: participants of control and this treatment per day since the start.
  const perDay = days >= 1 / 24 ? c.n / days : NaN;
  return {
    variant_id: variantId,
    minimum_detectable_effect: finiteOrNull(mde),
    target_lift: experiment.targetLift,
    participants_needed: Number.isFinite(needed) ? needed : null,
    participants_per_day: finiteOrNull(perDay),
    estimated_days_remaining: finiteOrNull(daysToReach(needed, c.n, perDay)),
  };
}

function summarise(
  variants: VariantResultDto[],
  primary: MetricName,
  guardrails: GuardrailDto[],
  power: PowerDto[],
  participants: number,
  srm: { p_value: number; detected: boolean },
  mode: Inference['mode'],
): string {
  const sentences: string[] = [];
  if (srm.detected) {
    sentences.push(
      `Sample ratio mismatch (p=${formatP(srm.p_value)}): participants do not match the traffic split. ` +
        'Find the cause (broken assignment or logging) before trusting the comparisons.',
    );
  }
  const n = THOUSANDS.format(participants);
  const findings = variants.flatMap((v) => {
    const c = v.statistical_significance?.vs_control;
    return c?.is_significant ? [describeFinding(v.variant_id, primary, c, mode)] : [];
  });
  if (findings.length > 0) sentences.push(`${findings.join('; ')} (n=${n}).`);
  else {
    const waits = power.flatMap((p) =>
      p.estimated_days_remaining === null || p.estimated_days_remaining === 0
        ? []
        : [`about ${Math.ceil(p.estimated_days_remaining)} more days for ${p.variant_id}`],
    );
    const wait =
      waits.length > 0 ? ` Detecting a ${percent(power[0].target_lift)} lift would take ${waits.join(', ')}.` : '';
    sentences.push(`No variant differs from control on ${METRIC_LABEL[primary]} yet (n=${n}).${wait}`);
  }
  for (const g of guardrails.filter((x) => x.breached)) {
    sentences.push(
      `Guardrail breached: ${g.variant_id} makes ${METRIC_LABEL[g.metric]} ${g.harmful_direction} (${signed(g.relative_lift)}).`,
    );
  }
  return sentences.join(' ');
}

function describeFinding(variantId: string, metric: MetricName, c: ComparisonDto, mode: Inference['mode']): string {
  const label = METRIC_LABEL[metric];
  const [low, high] = c.lift_ci;
  const kind = mode === 'sequential' ? 'always-valid' : 'fixed-horizon';
  const interval =
    low === null || high === null
      ? ''
      : ` (95% ${kind} CI ${low < 0 ? `${percent(low)} to ${percent(high)}` : `${percent(low)}–${percent(high)}`})`;
  const lift = c.relative_lift ?? 0;
  return `${variantId} ${lift >= 0 ? 'lifts' : 'lowers'} ${label} by ${percent(Math.abs(lift))}${interval}, significant`;
}

/** Whole percent from 10% up, one decimal below, so small effects do not round to 0%. */
function percent(x: number): string {
  const value = x * 100;
  const text = Math.abs(value) >= 10 ? Math.round(value).toString() : (Math.round(value * 10) / 10).toString();
  return `${text}%`;
}

function signed(x: number | null): string {
  return x === null ? 'no baseline' : `${x >= 0 ? '+' : '−'}${percent(Math.abs(x))}`;
}

function formatP(p: number): string {
  return p < 0.0001 ? '<0.0001' : p.toPrecision(2);
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
