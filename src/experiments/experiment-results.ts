/**
 * An experiment's results as a pure function of per-variant counts: rates with Wilson intervals,
 * each treatment against control (z-test, Holm across treatments, relative lift with its
 * interval), the sample-ratio-mismatch check and a sentence a product manager can act on.
 * Undefined quantities come out as null, never NaN; no data gives zeros, never an error.
 */
import { controlVariantOf, METRICS, MetricName } from '../domain/experiments';
import { toIso } from '../domain/time';
import { Experiment, ExperimentVariant } from '../repositories/experiments.repository';
import type { AttributedAction } from '../repositories/impressions.repository';
import type { ComparisonDto, ExperimentResultsDto, VariantResultDto } from './experiments.dto';
import { chiSquareGoodnessOfFit, holmAdjust, proportionInterval, relativeLift, twoProportionZTest } from './statistics';

export const CONFIDENCE_LEVEL = 0.95;
/** Strict on purpose: with many looks at a live experiment, 0.05 would cry wolf every few weeks. */
const SRM_P_THRESHOLD = 0.001;

const METRIC_ACTION: Record<MetricName, AttributedAction> = {
  click_through_rate: 'click',
  save_rate: 'save',
  hide_rate: 'hide',
};
const METRIC_LABEL: Record<MetricName, string> = {
  click_through_rate: 'click-through rate',
  save_rate: 'save rate',
  hide_rate: 'hide rate',
};

export interface VariantCounts {
  /** Users assigned to the variant. */
  participants: number;
  impressions: number;
  /** Attributed events per action. */
  events: Record<AttributedAction, number>;
  /** Participants with at least one attributed event per action (≤ participants). */
  users: Record<AttributedAction, number>;
}

export interface ResultsInput {
  experiment: Experiment;
  /** By variant id; a variant without an entry has no data yet. */
  counts: ReadonlyMap<string, VariantCounts>;
  attributionHours: number;
}

const NO_DATA: VariantCounts = {
  participants: 0,
  impressions: 0,
  events: { click: 0, save: 0, hide: 0 },
  users: { click: 0, save: 0, hide: 0 },
};

export function computeResults({ experiment, counts, attributionHours }: ResultsInput): ExperimentResultsDto {
  const control = controlVariantOf(experiment.variants);
  const countsOf = (v: ExperimentVariant) => counts.get(v.variant_id) ?? NO_DATA;
  const treatments = experiment.variants.filter((v) => v !== control);
  const comparisons = compareWithControl(countsOf(control), treatments.map(countsOf));
  const primary = experiment.metricsTracked[0] ?? METRICS[0];

  const variants: VariantResultDto[] = experiment.variants.map((v) => {
    const c = countsOf(v);
    const result: VariantResultDto = {
      variant_id: v.variant_id,
      name: v.name,
      algorithm: v.algorithm,
      traffic_percentage: v.traffic_percentage,
      is_control: v === control,
      participants: c.participants,
      impressions: c.impressions,
      clicks: c.events.click,
      saves: c.events.save,
      hides: c.events.hide,
      users_clicked: c.users.click,
      users_saved: c.users.save,
      users_hid: c.users.hide,
      metrics: { click_through_rate: 0, save_rate: 0, hide_rate: 0 },
      confidence_intervals: { click_through_rate: [0, 1], save_rate: [0, 1], hide_rate: [0, 1] },
    };
    for (const metric of METRICS) {
      const interval = proportionInterval(c.users[METRIC_ACTION[metric]], c.participants, CONFIDENCE_LEVEL);
      result.metrics[metric] = interval.proportion;
      result.confidence_intervals[metric] = [interval.low, interval.high];
    }
    const index = treatments.indexOf(v);
    if (index >= 0) {
      const byMetric = comparisons[index];
      result.statistical_significance = { vs_control: { metric: primary, ...byMetric[primary], by_metric: byMetric } };
    }
    return result;
  });

  const participants = variants.reduce((sum, v) => sum + v.participants, 0);
  const srm = chiSquareGoodnessOfFit(
    variants.map((v) => v.participants),
    variants.map((v) => v.traffic_percentage),
  );
  const sampleRatioMismatch = {
    chi_square: srm.statistic,
    p_value: srm.pValue,
    detected: srm.pValue < SRM_P_THRESHOLD,
  };
  return {
    experiment_id: experiment.id,
    name: experiment.name,
    status: experiment.status,
    start_date: toIso(experiment.startAt),
    end_date: toIso(experiment.endAt),
    participants,
    impressions: variants.reduce((sum, v) => sum + v.impressions, 0),
    control_variant: control.variant_id,
    attribution_hours: attributionHours,
    confidence_level: CONFIDENCE_LEVEL,
    variants,
    sample_ratio_mismatch: sampleRatioMismatch,
    summary: summarise(variants, experiment.metricsTracked, participants, sampleRatioMismatch),
  };
}

type Comparisons = Record<MetricName, ComparisonDto>;

/** One Comparisons per treatment. */
function compareWithControl(control: VariantCounts, treatments: VariantCounts[]): Comparisons[] {
  const ctr = compareMetric(control, treatments, 'click');
  const save = compareMetric(control, treatments, 'save');
  const hide = compareMetric(control, treatments, 'hide');
  return treatments.map((_, i) => ({ click_through_rate: ctr[i], save_rate: save[i], hide_rate: hide[i] }));
}

/** Every treatment against control on one metric; Holm's correction is across the treatments. */
function compareMetric(control: VariantCounts, treatments: VariantCounts[], action: AttributedAction): ComparisonDto[] {
  const base = { successes: control.users[action], trials: control.participants };
  const arms = treatments.map((t) => ({ successes: t.users[action], trials: t.participants }));
  const tests = arms.map((arm) => twoProportionZTest(arm.successes, arm.trials, base.successes, base.trials));
  const adjusted = holmAdjust(tests.map((test) => test.pValue));
  return arms.map((arm, i) => {
    const lift = relativeLift(base, arm, CONFIDENCE_LEVEL);
    return {
      p_value: tests[i].pValue,
      p_value_adjusted: adjusted[i],
      is_significant: adjusted[i] < 1 - CONFIDENCE_LEVEL,
      confidence_level: CONFIDENCE_LEVEL,
      relative_lift: finiteOrNull(lift.lift),
      lift_ci: [finiteOrNull(lift.low), finiteOrNull(lift.high)],
    };
  });
}

function summarise(
  variants: VariantResultDto[],
  tracked: readonly MetricName[],
  participants: number,
  srm: { p_value: number; detected: boolean },
): string {
  const sentences: string[] = [];
  if (srm.detected) {
    sentences.push(
      `Sample ratio mismatch (p=${formatP(srm.p_value)}): participants do not match the configured traffic split. ` +
        'Find the cause (broken assignment or logging, or a traffic change mid-experiment) before trusting the comparisons.',
    );
  }
  const control = variants.find((v) => v.is_control);
  const findings = variants.flatMap((v) => {
    const byMetric = v.statistical_significance?.vs_control.by_metric;
    if (!byMetric || !control) return [];
    return tracked
      .filter((metric) => byMetric[metric].is_significant)
      .map((metric) => describeFinding(v, control, metric, byMetric[metric]));
  });
  const n = participants.toLocaleString('en-US');
  sentences.push(
    findings.length === 0
      ? `No variant differs significantly from control yet (n=${n}).`
      : `${findings.join('; ')} (n=${n}).`,
  );
  return sentences.join(' ');
}

function describeFinding(
  v: VariantResultDto,
  control: VariantResultDto,
  metric: MetricName,
  comparison: ComparisonDto,
): string {
  const label = METRIC_LABEL[metric];
  const lift = comparison.relative_lift;
  if (lift === null) {
    // Control has no successes yet, so there is no ratio to report; compare the rates instead.
    const [rate, baseline] = [v.metrics[metric], control.metrics[metric]];
    return `${v.variant_id} has a ${rate > baseline ? 'higher' : 'lower'} ${label} than control (${percent(rate)} vs ${percent(baseline)}), significant`;
  }
  const [low, high] = comparison.lift_ci;
  const interval =
    low === null || high === null
      ? ''
      : ` (95% CI ${low < 0 ? `${percent(low)} to ${percent(high)}` : `${percent(low)}–${percent(high)}`})`;
  return `${v.variant_id} ${lift >= 0 ? 'lifts' : 'lowers'} ${label} by ${percent(Math.abs(lift))}${interval}, significant`;
}

/** Whole percent from 10% up, one decimal below, so small effects do not round to 0%. */
function percent(x: number): string {
  const value = x * 100;
  const text = Math.abs(value) >= 10 ? Math.round(value).toString() : (Math.round(value * 10) / 10).toString();
  return `${text}%`;
}

function formatP(p: number): string {
  return p < 0.0001 ? '<0.0001' : p.toPrecision(2);
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
