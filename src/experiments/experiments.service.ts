import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AlgorithmParams } from '../algorithms/types';
import { OutboundEvents } from '../bus/outbound-events';
import {
  CONTROL_VARIANT_RULE,
  controlVariantOf,
  DEFAULT_PRIMARY_METRIC,
  METRICS,
  MetricName,
} from '../domain/experiments';
import {
  DEFAULT_TARGET_LIFT,
  Experiment,
  ExperimentChanges,
  ExperimentsRepository,
  ExperimentStatus,
  ExperimentVariant,
  ExperimentWrite,
} from '../repositories/experiments.repository';
import { ImpressionsRepository } from '../repositories/impressions.repository';
import { computeDesign, DESIGN_HISTORY_DAYS, historyDays } from './design';
import { ExperimentAssigner } from './experiment-assigner';
import { computeResults } from './experiment-results';
import {
  CreateExperimentDto,
  DailyPointDto,
  DesignDto,
  DailyResultsDto,
  ExperimentListDto,
  ExperimentResponseDto,
  experimentResponse,
  ExperimentResultsDto,
  UpdateExperimentDto,
  VariantDto,
} from './experiments.dto';

const TRANSITIONS: Record<ExperimentStatus, readonly ExperimentStatus[]> = {
  draft: ['active'],
  active: ['paused', 'completed'],
  paused: ['active', 'completed'],
  completed: [],
};

const DEFAULT_ATTRIBUTION_HOURS = 24;
const DAY_MS = 86_400_000;
/** A daily series runs one results query per day: bounded so a long experiment stays cheap to chart. */
const MAX_DAILY_POINTS = 60;
/** CUPED's covariate: a participant's feedback in the two weeks before their first exposure. */
export const CUPED_COVARIATE_DAYS = 14;
/** Tolerates sums such as 33.33 + 33.33 + 33.34 in floating point. */
const PERCENT_TOLERANCE = 1e-6;

@Injectable()
export class ExperimentsService {
  constructor(
    private readonly experiments: ExperimentsRepository,
    private readonly impressions: ImpressionsRepository,
    private readonly assigner: ExperimentAssigner,
    private readonly outbound: OutboundEvents,
  ) {}

  async list(status?: ExperimentStatus): Promise<ExperimentListDto> {
    const experiments = (await this.experiments.list(status)).map(experimentResponse);
    return { experiments, count: experiments.length };
  }

  /** A draft carries its duration estimate; a running experiment has results `power` instead. */
  async get(id: string): Promise<ExperimentResponseDto> {
    return this.withDesign(await this.find(id));
  }

  async create(dto: CreateExperimentDto): Promise<ExperimentResponseDto> {
    const variants = checkVariants(dto.variants);
    checkControlVariant(dto.control_variant, variants);
    const status = dto.status ?? 'draft';
    const metricsTracked = dto.metrics_tracked ?? [...METRICS];
    const primaryMetric = dto.primary_metric ?? dto.metrics_tracked?.[0] ?? DEFAULT_PRIMARY_METRIC;
    const guardrailMetrics = dto.guardrail_metrics ?? [];
    checkDesign(primaryMetric, guardrailMetrics, metricsTracked);
    const experiment: ExperimentWrite = {
      id: dto.experiment_id,
      name: dto.name,
      description: dto.description ?? '',
      status,
      variants,
      metricsTracked,
      primaryMetric,
      guardrailMetrics,
      inference: dto.inference ?? 'sequential',
      targetLift: dto.target_lift ?? DEFAULT_TARGET_LIFT,
      forcedAssignments: checkForced(dto.forced_assignments ?? {}, variants),
      startAt: status === 'active' ? Date.now() : null,
      endAt: null,
    };
    if (!(await this.experiments.create(experiment)))
      throw new ConflictException(`experiment ${dto.experiment_id} already exists`);
    await this.assigner.reload();
    this.outbound.experimentChanged({ experiment_id: dto.experiment_id, change: 'created', status });
    return this.withDesign(await this.find(dto.experiment_id), true);
  }

  async update(id: string, dto: UpdateExperimentDto): Promise<ExperimentResponseDto> {
    if (dto.experiment_id !== undefined && dto.experiment_id !== id) {
      throw new BadRequestException(
        `experiment_id ${dto.experiment_id} does not match the experiment ${id} in the path: an id never changes`,
      );
    }
    const updated = await this.experiments.update(id, async (current, trx) => {
      if (current.status === 'completed')
        throw new ConflictException(`experiment ${id} is completed and can no longer change`);
      const changes: ExperimentChanges = {};
      if (dto.name !== undefined) changes.name = dto.name;
      if (dto.description !== undefined) changes.description = dto.description;
      if (dto.metrics_tracked !== undefined) changes.metricsTracked = dto.metrics_tracked;
      Object.assign(changes, designChanges(current, dto));
      if (dto.target_lift !== undefined) changes.targetLift = dto.target_lift;
      if (dto.status !== undefined && dto.status !== current.status)
        Object.assign(changes, transition(current, dto.status));
      if (dto.variants !== undefined) {
        changes.variants = checkVariants(dto.variants, current.variants);
        const removed = current.variants.filter((v) => !changes.variants?.some((n) => n.variant_id === v.variant_id));
        if (removed.length > 0 && (await this.experiments.countAssignments(id, trx)) > 0) {
          throw new ConflictException(
            `variants: ${removed.map((v) => v.variant_id).join(', ')} cannot be removed because users are already assigned to this experiment`,
          );
        }
      }
      checkControlVariant(dto.control_variant, changes.variants ?? current.variants);
      changes.forcedAssignments = checkForced(
        dto.forced_assignments ?? current.forcedAssignments,
        changes.variants ?? current.variants,
      );
      return changes;
    });
    if (updated === undefined) throw new NotFoundException(`experiment ${id} not found`);
    if (updated === false)
      throw new ConflictException(`experiment ${id} was changed by another request meanwhile; retry`);
    await this.assigner.reload();
    this.outbound.experimentChanged({ experiment_id: id, change: 'updated', status: updated.status });
    return this.withDesign(updated);
  }

  async results(id: string, attributionHours = DEFAULT_ATTRIBUTION_HOURS): Promise<ExperimentResultsDto> {
    const experiment = await this.find(id);
    const now = Date.now();
    const [sums, expectedShares] = await Promise.all([
      this.impressions.variantSums(id, this.sumsQuery(attributionHours)),
      this.expectedShares(experiment, now),
    ]);
    return computeResults({
      experiment,
      sums: new Map(sums.map((s) => [s.variantId, s])),
      attributionHours,
      covariateDays: CUPED_COVARIATE_DAYS,
      expectedShares,
      now,
    });
  }

  /**
   * The results as they stood at the end of each UTC day since the start (cumulative), the last
   * MAX_DAILY_POINTS days at most: participants and the primary metric per variant, and each
   * treatment's lift with its interval, so a chart can show the interval narrowing.
   */
  async daily(id: string, attributionHours = DEFAULT_ATTRIBUTION_HOURS): Promise<DailyResultsDto> {
    const experiment = await this.find(id);
    const now = Date.now();
    const ends = dayEnds(experiment.startAt, experiment.endAt ?? now);
    const days: DailyPointDto[] = [];
    for (const end of ends) {
      const sums = await this.impressions.variantSums(id, { ...this.sumsQuery(attributionHours), before: end });
      const day = computeResults({
        experiment,
        sums: new Map(sums.map((s) => [s.variantId, s])),
        attributionHours,
        covariateDays: CUPED_COVARIATE_DAYS,
        now: end,
      });
      days.push({
        date: new Date(end - 1).toISOString().slice(0, 10),
        participants: day.participants,
        variants: day.variants.map((v) => ({
          variant_id: v.variant_id,
          participants: v.participants,
          rate: v.metrics[experiment.primaryMetric],
        })),
        comparisons: day.variants.flatMap((v) => {
          const vs = v.statistical_significance?.vs_control;
          return vs
            ? [
                {
                  variant_id: v.variant_id,
                  relative_lift: vs.relative_lift,
                  lift_ci: vs.lift_ci,
                  is_significant: vs.is_significant,
                },
              ]
            : [];
        }),
      });
    }
    return { experiment_id: id, primary_metric: experiment.primaryMetric, inference: experiment.inference, days };
  }

  private sumsQuery(attributionHours: number) {
    return {
      attributionWindowMs: attributionHours * 3600_000,
      covariateWindowMs: CUPED_COVARIATE_DAYS * 86_400_000,
    };
  }

  /**
   * Participants each variant should have under the splits in force when they were assigned
   * (new users follow the split of the day; assigned users keep their variant). Undefined while
   * the split never changed: then the current split is the whole story.
   */
  private async expectedShares(experiment: Experiment, now: number): Promise<Map<string, number> | undefined> {
    const history = await this.experiments.splitHistory(experiment.id);
    if (history.length < 2) return undefined;
    const expected = new Map<string, number>(experiment.variants.map((v) => [v.variant_id, 0]));
    for (const [k, split] of history.entries()) {
      const from = k === 0 ? 0 : split.effectiveAt;
      const to = history[k + 1]?.effectiveAt ?? now + 1;
      const assigned = await this.experiments.countAssignedBetween(experiment.id, from, to);
      const total = [...assigned.values()].reduce((sum, n) => sum + n, 0);
      const shareSum = Object.values(split.shares).reduce((sum, share) => sum + share, 0);
      for (const [variantId, share] of Object.entries(split.shares)) {
        if (expected.has(variantId))
          expected.set(variantId, (expected.get(variantId) ?? 0) + (total * share) / shareSum);
      }
    }
    return expected;
  }

  private async withDesign(experiment: Experiment, always = false): Promise<ExperimentResponseDto> {
    const response = experimentResponse(experiment);
    if (always || experiment.status === 'draft') response.design = await this.design(experiment);
    return response;
  }

  /**
   * The duration estimate from the last DESIGN_HISTORY_DAYS: per list from the lists shown then
   * (under earlier experiments) when there were any, else from who was active and acted.
   */
  private async design(experiment: Experiment): Promise<DesignDto> {
    const now = Date.now();
    const since = now - DESIGN_HISTORY_DAYS * DAY_MS;
    const shown = await this.impressions.shownHistory(since, now);
    const history = shown.sums.n > 0 ? shown : await this.impressions.activeHistory(since, now);
    return computeDesign({
      experiment,
      sums: history.sums,
      source: shown.sums.n > 0 ? 'impressions' : 'feedback',
      days: historyDays(history.firstAt, now),
    });
  }

  private async find(id: string): Promise<Experiment> {
    const experiment = await this.experiments.getById(id);
    if (!experiment) throw new NotFoundException(`experiment ${id} not found`);
    return experiment;
  }
}

/** Ends (exclusive, UTC midnight) of the days from start to `until`, the last of them capped at `until`. */
function dayEnds(startAt: number | null, until: number): number[] {
  if (startAt === null) return [];
  const ends: number[] = [];
  for (let end = (Math.floor(startAt / DAY_MS) + 1) * DAY_MS; ; end += DAY_MS) {
    ends.push(Math.min(end, until));
    if (end >= until) break;
  }
  return ends.slice(-MAX_DAILY_POINTS);
}

function transition(current: Experiment, to: ExperimentStatus): ExperimentChanges {
  if (!TRANSITIONS[current.status].includes(to)) {
    const allowed = TRANSITIONS[current.status].join(' or ');
    throw new ConflictException(
      `status: experiment ${current.id} cannot go from ${current.status} to ${to} (allowed: ${allowed})`,
    );
  }
  const now = Date.now();
  if (to === 'active') return { status: to, startAt: current.startAt ?? now };
  if (to === 'completed') return { status: to, endAt: now };
  return { status: to };
}

/** `stored`: the variants as they are now, whose parameters may be sent back unchanged. */
function checkVariants(dtos: VariantDto[], stored: ExperimentVariant[] = []): ExperimentVariant[] {
  const seen = new Set<string>();
  for (const dto of dtos) {
    if (seen.has(dto.variant_id))
      throw new BadRequestException(`variants: variant_id ${dto.variant_id} appears more than once`);
    seen.add(dto.variant_id);
  }
  const total = dtos.reduce((sum, dto) => sum + dto.traffic_percentage, 0);
  if (Math.abs(total - 100) > PERCENT_TOLERANCE) {
    throw new BadRequestException(
      `variants: traffic_percentage must add up to 100, got ${Math.round(total * 100) / 100}`,
    );
  }
  const control = controlVariantOf(dtos);
  return dtos.map((dto, index) => {
    if (dto.is_control !== undefined && dto.is_control !== (dto === control)) {
      throw new BadRequestException(
        `variants.${index}.is_control is ${dto.is_control}, but the control is ${control.variant_id} ${CONTROL_VARIANT_RULE}`,
      );
    }
    return {
      variant_id: dto.variant_id,
      name: dto.name ?? dto.variant_id,
      algorithm: dto.algorithm,
      params: checkParams(dto, stored, `variants.${index}.params`),
      traffic_percentage: dto.traffic_percentage,
    };
  });
}

/** is_control and control_variant are read-only: they may be sent back as GET shows them, not changed. */
function checkControlVariant(named: string | undefined, variants: ExperimentVariant[]): void {
  const control = controlVariantOf(variants).variant_id;
  if (named !== undefined && named !== control)
    throw new BadRequestException(`control_variant is ${named}, but the control is ${control} ${CONTROL_VARIANT_RULE}`);
}

/**
 * Serving uses each algorithm's active model, trained with that model's own parameters, so
 * per-variant parameters would be shown and never used. A variant stored with them before they
 * were refused keeps them while they are sent back unchanged.
 */
function checkParams(dto: VariantDto, stored: ExperimentVariant[], path: string): AlgorithmParams {
  const params = dto.params ?? {};
  if (Object.keys(params).length === 0) return {};
  const kept = stored.find((v) => v.variant_id === dto.variant_id && v.algorithm === dto.algorithm)?.params;
  if (kept && sameParams(kept, params)) return kept;
  throw new BadRequestException(
    `${path}: a variant serves the active model of its algorithm, trained with that model's parameters, so parameters here would never be used; ` +
      'leave params out, and train other parameters with POST /v1/model/retrain',
  );
}

function sameParams(a: AlgorithmParams, b: AlgorithmParams): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

function checkForced(forced: Record<string, string>, variants: ExperimentVariant[]): Record<string, string> {
  for (const [userId, variantId] of Object.entries(forced)) {
    if (!variants.some((v) => v.variant_id === variantId)) {
      throw new BadRequestException(
        `forced_assignments: user ${userId} is pinned to ${variantId}, which is not a variant of this experiment`,
      );
    }
  }
  return forced;
}

/**
 * The primary metric, guardrails and inference mode are the experiment's pre-registration: they
 * may change while it is a draft, never once data has come in (choosing them after seeing the
 * data is how false wins are made).
 */
function designChanges(current: Experiment, dto: UpdateExperimentDto): ExperimentChanges {
  const asked = {
    primary_metric: dto.primary_metric !== undefined && dto.primary_metric !== current.primaryMetric,
    guardrail_metrics:
      dto.guardrail_metrics !== undefined &&
      JSON.stringify(dto.guardrail_metrics) !== JSON.stringify(current.guardrailMetrics),
    inference: dto.inference !== undefined && dto.inference !== current.inference,
  };
  const changed = Object.entries(asked).flatMap(([field, is]) => (is ? [field] : []));
  if (changed.length === 0) {
    checkDesign(current.primaryMetric, current.guardrailMetrics, dto.metrics_tracked ?? current.metricsTracked);
    return {};
  }
  if (current.status !== 'draft') {
    throw new ConflictException(
      `${changed.join(', ')}: declared before the data comes in, so they can change only while the experiment is a draft`,
    );
  }
  const primaryMetric = dto.primary_metric ?? current.primaryMetric;
  const guardrailMetrics = dto.guardrail_metrics ?? current.guardrailMetrics;
  checkDesign(primaryMetric, guardrailMetrics, dto.metrics_tracked ?? current.metricsTracked);
  return { primaryMetric, guardrailMetrics, inference: dto.inference ?? current.inference };
}

function checkDesign(primary: MetricName, guardrails: readonly MetricName[], tracked: readonly MetricName[]): void {
  if (!tracked.includes(primary)) {
    throw new BadRequestException(`primary_metric ${primary} must be one of metrics_tracked (${tracked.join(', ')})`);
  }
  if (guardrails.includes(primary)) {
    throw new BadRequestException(
      `guardrail_metrics: ${primary} is the primary metric; a guardrail watches a different metric for harm`,
    );
  }
}
