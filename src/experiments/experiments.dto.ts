import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { ALGORITHMS, AlgorithmName, AlgorithmParams } from '../algorithms/types';
import { FitsTextColumn, ID_PATTERN, IsId, Nested, OptionalTimestamp } from '../common/validation';
import {
  CONTROL_VARIANT_RULE,
  controlVariantOf,
  DEFAULT_PRIMARY_METRIC,
  METRICS,
  MetricName,
} from '../domain/experiments';
import { toIso } from '../domain/time';
import {
  DEFAULT_TARGET_LIFT,
  Experiment,
  EXPERIMENT_STATUSES,
  ExperimentStatus,
} from '../repositories/experiments.repository';
import { INFERENCE_MODES, type InferenceMode } from './inference';
import { CONFIDENCE_LEVEL } from './experiment-results';

/** experiment_assignments.variant_id is VARCHAR(100). */
const VARIANT_ID_PATTERN = /^[^\s\u0000-\u001f]{1,100}$/;
const MAX_PARAMS = 50;
const MAX_FORCED_ASSIGNMENTS = 1000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Algorithm parameters: a flat object of numbers, strings and booleans, as AlgorithmParams. */
function IsAlgorithmParams(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isAlgorithmParams',
      validator: {
        validate: (value: unknown) =>
          isPlainObject(value) &&
          Object.keys(value).length <= MAX_PARAMS &&
          Object.entries(value).every(
            ([key, v]) =>
              key.length <= 100 &&
              ((typeof v === 'number' && Number.isFinite(v)) ||
                typeof v === 'boolean' ||
                (typeof v === 'string' && v.length <= 200)),
          ),
        defaultMessage: () => `$property must be an object of at most ${MAX_PARAMS} numbers, strings or booleans`,
      },
    },
    options,
  );
}

/** user id → variant id; whether each variant exists is checked against the variants list. */
function IsForcedAssignments(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isForcedAssignments',
      validator: {
        validate: (value: unknown) =>
          isPlainObject(value) &&
          Object.keys(value).length <= MAX_FORCED_ASSIGNMENTS &&
          Object.entries(value).every(
            ([userId, variantId]) => ID_PATTERN.test(userId) && typeof variantId === 'string',
          ),
        defaultMessage: () => `$property must map at most ${MAX_FORCED_ASSIGNMENTS} user ids to variant ids`,
      },
    },
    options,
  );
}

export class VariantDto {
  @ApiProperty({
    example: 'control',
    maxLength: 100,
    description: 'Unique within the experiment. The variant "control", or else the first one, is the baseline',
  })
  @IsString()
  @Matches(VARIANT_ID_PATTERN, { message: '$property must be 1-100 characters without whitespace' })
  variant_id: string;

  @ApiPropertyOptional({ example: 'Baseline', maxLength: 200, description: 'Defaults to variant_id' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiProperty({ enum: ALGORITHMS, example: 'popularity', description: 'The algorithm this variant serves' })
  @IsIn(ALGORITHMS)
  algorithm: AlgorithmName;

  @ApiPropertyOptional({
    example: {},
    description:
      "Must be empty (`{}`, as GET shows it): a variant serves the active model of its algorithm, trained with that model's parameters, " +
      'so per-variant parameters would never be used (400). A variant stored with parameters before they were refused may send them back unchanged',
  })
  @IsOptional()
  @IsAlgorithmParams()
  params?: AlgorithmParams;

  @ApiProperty({
    example: 40,
    minimum: 0.01,
    maximum: 100,
    description: 'Share of users in percent (at most two decimals); the variants add up to 100',
  })
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 })
  @Min(0.01)
  @Max(100)
  traffic_percentage: number;

  @ApiPropertyOptional({
    example: true,
    description: `Read-only, as GET shows it; if sent it must match the control ${CONTROL_VARIANT_RULE}`,
  })
  @IsOptional()
  @IsBoolean()
  is_control?: boolean;
}

const READ_ONLY = 'Read-only and ignored: accepted so that what GET returns can be sent back';

class ExperimentFieldsDto {
  @ApiPropertyOptional({ example: 'Compares the algorithms on click-through and save rate', maxLength: 5000 })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiPropertyOptional({
    enum: METRICS,
    isArray: true,
    example: ['click_through_rate', 'save_rate'],
    description: 'The first is the primary metric; default: all',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(METRICS, { each: true, message: `each value in $property must be one of ${METRICS.join(', ')}` })
  metrics_tracked?: MetricName[];

  @ApiPropertyOptional({
    enum: METRICS,
    default: DEFAULT_PRIMARY_METRIC,
    description:
      'The metric the verdict is about (`statistical_significance.vs_control`), declared before the data comes in; the others are exploratory',
  })
  @IsOptional()
  @IsIn(METRICS, { message: `$property must be one of ${METRICS.join(', ')}` })
  primary_metric?: MetricName;

  @ApiPropertyOptional({
    enum: METRICS,
    isArray: true,
    example: ['hide_rate'],
    description:
      'Metrics that must not move the harmful way (hide rate must not rise, the others must not fall); a significant harmful move is reported as a breach',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(METRICS.length)
  @ArrayUnique()
  @IsIn(METRICS, { each: true, message: `each value in $property must be one of ${METRICS.join(', ')}` })
  guardrail_metrics?: MetricName[];

  @ApiPropertyOptional({
    enum: INFERENCE_MODES,
    default: 'sequential',
    description:
      '`sequential`: always-valid intervals and p-values, correct however often results are read. `fixed_horizon`: classic intervals, valid only when read once at a sample size fixed in advance',
  })
  @IsOptional()
  @IsIn(INFERENCE_MODES, { message: `$property must be one of ${INFERENCE_MODES.join(', ')}` })
  inference?: InferenceMode;

  @ApiPropertyOptional({
    example: 0.05,
    default: DEFAULT_TARGET_LIFT,
    minimum: 0.001,
    maximum: 10,
    description: 'The relative lift of the primary metric worth detecting; the duration estimate is for it',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.001)
  @Max(10)
  target_lift?: number;

  @ApiPropertyOptional({
    example: { qa_user_1: 'collaborative_filtering' },
    description: 'QA users pinned to a variant. They are not participants: their traffic never enters the results',
  })
  @IsOptional()
  @IsForcedAssignments()
  @FitsTextColumn()
  forced_assignments?: Record<string, string>;

  @ApiPropertyOptional({
    example: 'control',
    description: `Read-only, as GET shows it; if sent it must name the control ${CONTROL_VARIANT_RULE}`,
  })
  @IsOptional()
  @IsString()
  control_variant?: string;

  @OptionalTimestamp(READ_ONLY, '2026-02-01T00:00:00.000Z')
  start_date?: string | null;

  @OptionalTimestamp(READ_ONLY, '2026-02-01T00:00:00.000Z')
  end_date?: string | null;

  @OptionalTimestamp(READ_ONLY, '2026-02-01T00:00:00.000Z')
  created_at?: string;

  @OptionalTimestamp(READ_ONLY, '2026-02-01T00:00:00.000Z')
  updated_at?: string;

  @ApiPropertyOptional({ type: Object, description: `${READ_ONLY} (the duration estimate a draft shows)` })
  @IsOptional()
  @IsObject()
  design?: object;
}

export class CreateExperimentDto extends ExperimentFieldsDto {
  @IsId('Unique id; part of the assignment hash, so it can never change', 'rec_algorithm_v2')
  experiment_id: string;

  @ApiProperty({ example: 'Recommendation Algorithm Test', maxLength: 500 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  name: string;

  @ApiPropertyOptional({ enum: ['draft', 'active'], default: 'draft' })
  @IsOptional()
  @IsIn(['draft', 'active'])
  status?: 'draft' | 'active';

  @ApiProperty({ type: [VariantDto], minItems: 2, maxItems: 20 })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(20)
  @Nested(() => VariantDto)
  variants: VariantDto[];
}

export class UpdateExperimentDto extends ExperimentFieldsDto {
  @ApiPropertyOptional({
    example: 'rec_algorithm_v2',
    description: 'Read-only, as GET shows it; if sent it must be the id in the path',
  })
  @IsOptional()
  @IsString()
  experiment_id?: string;

  @ApiPropertyOptional({ example: 'Recommendation Algorithm Test', maxLength: 500 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  name?: string;

  @ApiPropertyOptional({
    enum: EXPERIMENT_STATUSES,
    description: 'draft → active; active ↔ paused; active or paused → completed, which is final',
  })
  @IsOptional()
  @IsIn(EXPERIMENT_STATUSES)
  status?: ExperimentStatus;

  @ApiPropertyOptional({
    type: [VariantDto],
    minItems: 2,
    maxItems: 20,
    description:
      'Replaces the list. Users already assigned keep their variant; no variant id can be removed once users are assigned',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(20)
  @Nested(() => VariantDto)
  variants?: VariantDto[];
}

export class ExperimentListQueryDto {
  @ApiPropertyOptional({ enum: EXPERIMENT_STATUSES })
  @IsOptional()
  @IsIn(EXPERIMENT_STATUSES)
  status?: ExperimentStatus;
}

export class ResultsQueryDto {
  @ApiPropertyOptional({
    example: 24,
    default: 24,
    minimum: 1,
    maximum: 720,
    description: 'Feedback without a recommendation_id counts when the user was shown the item this many hours before',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(720)
  attribution_hours?: number;
}

/** Swagger cannot infer tuples or nullable unions from TypeScript types. */
const INTERVAL: ApiPropertyOptions = { type: [Number], minItems: 2, maxItems: 2 };
const DATE: ApiPropertyOptions = { type: String, format: 'date-time', nullable: true };

export class ExperimentIdParamDto {
  @IsId('Experiment id', 'rec_algorithm_v1')
  id: string;
}

export class VariantResponseDto {
  @ApiProperty({ example: 'control' }) variant_id: string;
  @ApiProperty({ example: 'Baseline' }) name: string;
  @ApiProperty({ enum: ALGORITHMS, example: 'popularity' }) algorithm: AlgorithmName;
  @ApiProperty({ example: {} }) params: AlgorithmParams;
  @ApiProperty({ example: 40 }) traffic_percentage: number;
  @ApiProperty({ example: true }) is_control: boolean;
}

export class DesignTreatmentDto {
  @ApiProperty({ example: 'collaborative_filtering' }) variant_id: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 28256,
    description: 'Participants (this treatment and control) for target_lift with 80% power; null with reason',
  })
  participants_needed: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 900,
    description: "users_per_day × this pair's share of traffic (control's and this treatment's traffic_percentage)",
  })
  participants_per_day: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 31.4,
    description: 'participants_needed ÷ participants_per_day',
  })
  estimated_days: number | null;
}

export class DesignDto {
  @ApiProperty({ enum: METRICS, example: 'click_through_rate' }) primary_metric: MetricName;
  @ApiProperty({ example: 0.05 }) target_lift: number;
  @ApiProperty({ example: 0.8 }) power: number;
  @ApiProperty({ example: CONFIDENCE_LEVEL }) confidence_level: number;
  @ApiProperty({ example: 14, description: 'The history the baseline and traffic come from, ending now' })
  history_days: number;
  @ApiProperty({
    enum: ['impressions', 'feedback'],
    nullable: true,
    example: 'impressions',
    description:
      '`impressions`: lists shown in the window (under earlier experiments) and the events carrying their recommendation_id, per list as results measure it. ' +
      '`feedback`: no lists were shown, so the share of active users who acted stands in for the rate. Null without any history',
  })
  source: 'impressions' | 'feedback' | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.041, description: 'The primary metric over the window' })
  baseline_rate: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.12,
    description: "Per-user variance of the primary metric (the delta method's linearisation for a per-list rate)",
  })
  baseline_variance: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 1500,
    description:
      'Distinct users in the window (shown lists, or with feedback) ÷ the days it covers: the users who would enter per day',
  })
  users_per_day: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 31.4,
    description: 'Days until every treatment reaches target_lift with 80% power: the slowest pair; null with reason',
  })
  estimated_days: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Why the estimate is null (no history, a zero baseline); null when there is an estimate',
  })
  reason: string | null;
  @ApiProperty({ type: [DesignTreatmentDto], description: 'One per treatment, against control' })
  treatments: DesignTreatmentDto[];
}

export class ExperimentResponseDto {
  @ApiProperty({ example: 'rec_algorithm_v1' }) experiment_id: string;
  @ApiProperty({ example: 'Recommendation Algorithm Test' }) name: string;
  @ApiProperty({ example: '' }) description: string;
  @ApiProperty({ enum: EXPERIMENT_STATUSES, example: 'active' }) status: ExperimentStatus;
  @ApiProperty({ type: [VariantResponseDto] }) variants: VariantResponseDto[];
  @ApiProperty({ example: 'control' }) control_variant: string;
  @ApiProperty({ enum: METRICS, isArray: true, example: ['click_through_rate', 'save_rate', 'hide_rate'] })
  metrics_tracked: MetricName[];
  @ApiProperty({ enum: METRICS, example: 'click_through_rate' }) primary_metric: MetricName;
  @ApiProperty({ enum: METRICS, isArray: true, example: ['hide_rate'] }) guardrail_metrics: MetricName[];
  @ApiProperty({ enum: INFERENCE_MODES, example: 'sequential' }) inference: InferenceMode;
  @ApiProperty({ example: 0.05 }) target_lift: number;
  @ApiProperty({ example: {} }) forced_assignments: Record<string, string>;
  @ApiProperty({ ...DATE, example: '2026-02-01T00:00:00.000Z', description: 'When it first became active' })
  start_date: string | null;
  @ApiProperty({ ...DATE, example: null, description: 'When it was completed' }) end_date: string | null;
  @ApiProperty({ example: '2026-02-01T00:00:00.000Z' }) created_at: string;
  @ApiProperty({ example: '2026-02-01T00:00:00.000Z' }) updated_at: string;
  @ApiPropertyOptional({
    type: DesignDto,
    description:
      'On creation and while a draft: how long the experiment would take at the traffic of the last 14 days. Once running, see results `power`',
  })
  design?: DesignDto;
}

export class ExperimentListDto {
  @ApiProperty({ type: [ExperimentResponseDto] }) experiments: ExperimentResponseDto[];
  @ApiProperty({ example: 1 }) count: number;
}

const PER_LIST =
  'Events on shown items ÷ lists shown. Its standard error treats participants as the unit (delta method), since one user sees many lists.';

export class MetricRatesDto {
  @ApiProperty({ example: 0.041, description: `Attributed clicks ÷ lists shown. ${PER_LIST}` })
  click_through_rate: number;
  @ApiProperty({ example: 0.15, description: 'Share of participants with at least one attributed click' })
  conversion_rate: number;
  @ApiProperty({ example: 0.012, description: 'Attributed saves ÷ lists shown' }) save_rate: number;
  @ApiProperty({ example: 0.002, description: 'Attributed hides ÷ lists shown' }) hide_rate: number;
}

const RATE_INTERVAL: ApiPropertyOptions = {
  ...INTERVAL,
  nullable: true,
  description: "95% interval [low, high] of the rate, in the experiment's inference mode; nulls without data",
};

export class MetricIntervalsDto {
  @ApiProperty({ ...RATE_INTERVAL, example: [0.037, 0.045] }) click_through_rate: [number | null, number | null];
  @ApiProperty({ ...RATE_INTERVAL, example: [0.13, 0.17] }) conversion_rate: [number | null, number | null];
  @ApiProperty({ ...RATE_INTERVAL, example: [0.01, 0.014] }) save_rate: [number | null, number | null];
  @ApiProperty({ ...RATE_INTERVAL, example: [0.001, 0.003] }) hide_rate: [number | null, number | null];
}

export class ComparisonDto {
  @ApiProperty({
    example: 0.023,
    description:
      'Two-sided p-value of the lift: always valid (normal-mixture sequential test) under `sequential`, a z-test under `fixed_horizon`',
  })
  p_value: number;
  @ApiProperty({ example: 0.046, description: 'Holm-adjusted across the treatments, for this metric' })
  p_value_adjusted: number;
  @ApiProperty({ example: true, description: 'p_value_adjusted < 1 − confidence_level' }) is_significant: boolean;
  @ApiProperty({ example: CONFIDENCE_LEVEL }) confidence_level: number;
  @ApiProperty({ enum: INFERENCE_MODES, example: 'sequential' }) inference: InferenceMode;
  @ApiProperty({
    enum: ['primary', 'exploratory'],
    description: 'Only the primary metric decides; exploratory comparisons suggest what to test next',
  })
  role: 'primary' | 'exploratory';
  @ApiProperty({
    type: Number,
    example: 0.25,
    nullable: true,
    description:
      'treatment rate / control rate − 1 (CUPED-adjusted on the primary metric); null while control has no events',
  })
  relative_lift: number | null;
  @ApiProperty({
    ...INTERVAL,
    example: [0.04, 0.48],
    description:
      'Interval of relative_lift (delta method): a confidence sequence under `sequential`, so it stays valid at every read. Not multiplicity-adjusted',
  })
  lift_ci: [number | null, number | null];
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.31,
    description:
      "Primary metric only: share of the lift's variance CUPED removed using participants' activity before their first exposure",
  })
  cuped_variance_reduction: number | null;
}

export class ComparisonsByMetricDto {
  @ApiProperty({ type: ComparisonDto }) click_through_rate: ComparisonDto;
  @ApiProperty({ type: ComparisonDto }) conversion_rate: ComparisonDto;
  @ApiProperty({ type: ComparisonDto }) save_rate: ComparisonDto;
  @ApiProperty({ type: ComparisonDto }) hide_rate: ComparisonDto;
}

export class VsControlDto extends ComparisonDto {
  @ApiProperty({
    enum: METRICS,
    example: 'click_through_rate',
    description: 'The primary metric, which the fields above describe',
  })
  metric: MetricName;
  @ApiProperty({ type: ComparisonsByMetricDto }) by_metric: ComparisonsByMetricDto;
}

export class StatisticalSignificanceDto {
  @ApiProperty({ type: VsControlDto }) vs_control: VsControlDto;
}

export class VariantResultDto {
  @ApiProperty({ example: 'collaborative_filtering' }) variant_id: string;
  @ApiProperty({ example: 'Collaborative Filtering' }) name: string;
  @ApiProperty({ enum: ALGORITHMS }) algorithm: AlgorithmName;
  @ApiProperty({ example: 30 }) traffic_percentage: number;
  @ApiProperty({ example: false }) is_control: boolean;
  @ApiProperty({ example: 3763, description: 'Users assigned to the variant (forced QA users excluded)' })
  participants: number;
  @ApiProperty({ example: 11020, description: 'Lists shown to participants' }) impressions: number;
  @ApiProperty({ example: 702, description: 'Attributed click events' }) clicks: number;
  @ApiProperty({ example: 455, description: 'Attributed save events' }) saves: number;
  @ApiProperty({ example: 31, description: 'Attributed hide events' }) hides: number;
  @ApiProperty({ example: 564, description: 'Participants with at least one attributed click' }) users_clicked: number;
  @ApiProperty({ example: 413 }) users_saved: number;
  @ApiProperty({ example: 29 }) users_hid: number;
  @ApiProperty({ type: MetricRatesDto }) metrics: MetricRatesDto;
  @ApiProperty({ type: MetricIntervalsDto }) confidence_intervals: MetricIntervalsDto;
  @ApiPropertyOptional({ type: StatisticalSignificanceDto, description: 'Treatments only' })
  statistical_significance?: StatisticalSignificanceDto;
}

export class GuardrailDto {
  @ApiProperty({ example: 'collaborative_filtering' }) variant_id: string;
  @ApiProperty({ enum: METRICS, example: 'hide_rate' }) metric: MetricName;
  @ApiProperty({ enum: ['rise', 'fall'], example: 'rise', description: 'The harmful direction' })
  harmful_direction: 'rise' | 'fall';
  @ApiProperty({ example: false, description: "The lift's interval lies wholly in the harmful direction" })
  breached: boolean;
  @ApiProperty({ type: Number, nullable: true, example: 0.02 }) relative_lift: number | null;
  @ApiProperty({ ...INTERVAL, example: [-0.1, 0.15] }) lift_ci: [number | null, number | null];
}

export class PowerDto {
  @ApiProperty({ example: 'collaborative_filtering' }) variant_id: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.08,
    description: 'Smallest relative lift of the primary metric found with 80% power at the current sample',
  })
  minimum_detectable_effect: number | null;
  @ApiProperty({ example: 0.05 }) target_lift: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 14000,
    description: 'Participants (this treatment and control) for the target lift with 80% power',
  })
  participants_needed: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 950, description: "This pair's participants per day so far" })
  participants_per_day: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 6.5,
    description: 'At the observed traffic; 0 when reached, null without traffic or variance yet',
  })
  estimated_days_remaining: number | null;
}

export class SampleRatioMismatchDto {
  @ApiProperty({
    example: 1.3,
    description: "Pearson's chi-square of participants against the traffic split in force as they were assigned",
  })
  chi_square: number;
  @ApiProperty({ example: 0.52 }) p_value: number;
  @ApiProperty({
    example: false,
    description:
      'p_value < 0.001: participants do not follow the traffic split, so assignment or logging is broken and comparisons cannot be trusted',
  })
  detected: boolean;
}

export class ExperimentResultsDto {
  @ApiProperty({ example: 'rec_algorithm_v1' }) experiment_id: string;
  @ApiProperty({ example: 'Recommendation Algorithm Test' }) name: string;
  @ApiProperty({ enum: EXPERIMENT_STATUSES }) status: ExperimentStatus;
  @ApiProperty({ ...DATE, example: '2026-02-01T00:00:00.000Z' }) start_date: string | null;
  @ApiProperty({ ...DATE, example: null }) end_date: string | null;
  @ApiProperty({ example: 12543 }) participants: number;
  @ApiProperty({ example: 40211, description: 'Lists shown to participants' }) impressions: number;
  @ApiProperty({ example: 'control' }) control_variant: string;
  @ApiProperty({ enum: METRICS, example: 'click_through_rate' }) primary_metric: MetricName;
  @ApiProperty({ enum: METRICS, isArray: true, example: ['hide_rate'] }) guardrail_metrics: MetricName[];
  @ApiProperty({ enum: INFERENCE_MODES, example: 'sequential' }) inference: InferenceMode;
  @ApiProperty({ example: 24 }) attribution_hours: number;
  @ApiProperty({
    example: 14,
    description: "CUPED's covariate: each participant's feedback events in this many days before first exposure",
  })
  cuped_covariate_days: number;
  @ApiProperty({ example: CONFIDENCE_LEVEL }) confidence_level: number;
  @ApiProperty({ type: [VariantResultDto] }) variants: VariantResultDto[];
  @ApiProperty({ type: [GuardrailDto], description: 'One per guardrail metric and treatment' })
  guardrails: GuardrailDto[];
  @ApiProperty({ type: [PowerDto], description: 'One per treatment, on the primary metric' }) power: PowerDto[];
  @ApiProperty({ type: SampleRatioMismatchDto }) sample_ratio_mismatch: SampleRatioMismatchDto;
  @ApiProperty({
    example:
      'collaborative_filtering lifts click-through rate by 12% (95% always-valid CI 4%–20%), significant (n=12,543)',
  })
  summary: string;
}

export class DailyVariantDto {
  @ApiProperty({ example: 'control' }) variant_id: string;
  @ApiProperty({ example: 1210, description: 'Participants so far' }) participants: number;
  @ApiProperty({ example: 0.041, description: 'The primary metric so far' }) rate: number;
}

export class DailyComparisonDto {
  @ApiProperty({ example: 'collaborative_filtering' }) variant_id: string;
  @ApiProperty({ type: Number, nullable: true, example: 0.12 }) relative_lift: number | null;
  @ApiProperty({ ...INTERVAL, example: [-0.05, 0.31], description: "As results report it at that day's end" })
  lift_ci: [number | null, number | null];
  @ApiProperty({ example: false }) is_significant: boolean;
}

export class DailyPointDto {
  @ApiProperty({ example: '2026-02-03', description: 'UTC day; everything up to its end (cumulative)' }) date: string;
  @ApiProperty({ example: 2417 }) participants: number;
  @ApiProperty({ type: [DailyVariantDto] }) variants: DailyVariantDto[];
  @ApiProperty({ type: [DailyComparisonDto], description: 'Each treatment against control on the primary metric' })
  comparisons: DailyComparisonDto[];
}

export class DailyResultsDto {
  @ApiProperty({ example: 'rec_algorithm_v1' }) experiment_id: string;
  @ApiProperty({ enum: METRICS, example: 'click_through_rate' }) primary_metric: MetricName;
  @ApiProperty({ enum: INFERENCE_MODES, example: 'sequential' }) inference: InferenceMode;
  @ApiProperty({ type: [DailyPointDto], description: 'One per UTC day since the start, the last 60 at most' })
  days: DailyPointDto[];
}

export function experimentResponse(e: Experiment): ExperimentResponseDto {
  const control = controlVariantOf(e.variants);
  return {
    experiment_id: e.id,
    name: e.name,
    description: e.description,
    status: e.status,
    variants: e.variants.map((v) => ({ ...v, is_control: v.variant_id === control.variant_id })),
    control_variant: control.variant_id,
    metrics_tracked: e.metricsTracked,
    primary_metric: e.primaryMetric,
    guardrail_metrics: e.guardrailMetrics,
    inference: e.inference,
    target_lift: e.targetLift,
    forced_assignments: e.forcedAssignments,
    start_date: toIso(e.startAt),
    end_date: toIso(e.endAt),
    created_at: new Date(e.createdAt).toISOString(),
    updated_at: new Date(e.updatedAt).toISOString(),
  };
}
