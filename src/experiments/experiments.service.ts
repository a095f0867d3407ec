import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AlgorithmParams } from '../algorithms/types';
import { OutboundEvents } from '../bus/outbound-events';
import { CONTROL_VARIANT_RULE, controlVariantOf, METRICS } from '../domain/experiments';
import {
  Experiment,
  ExperimentChanges,
  ExperimentsRepository,
  ExperimentStatus,
  ExperimentVariant,
  ExperimentWrite,
} from '../repositories/experiments.repository';
import { AttributedFeedback, ImpressionsRepository } from '../repositories/impressions.repository';
import { ExperimentAssigner } from './experiment-assigner';
import { computeResults, VariantCounts } from './experiment-results';
import {
  CreateExperimentDto,
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

  async get(id: string): Promise<ExperimentResponseDto> {
    return experimentResponse(await this.find(id));
  }

  async create(dto: CreateExperimentDto): Promise<ExperimentResponseDto> {
    const variants = checkVariants(dto.variants);
    checkControlVariant(dto.control_variant, variants);
    const status = dto.status ?? 'draft';
    const experiment: ExperimentWrite = {
      id: dto.experiment_id,
      name: dto.name,
      description: dto.description ?? '',
      status,
      variants,
      metricsTracked: dto.metrics_tracked ?? [...METRICS],
      forcedAssignments: checkForced(dto.forced_assignments ?? {}, variants),
      startAt: status === 'active' ? Date.now() : null,
      endAt: null,
    };
    if (!(await this.experiments.create(experiment)))
      throw new ConflictException(`experiment ${dto.experiment_id} already exists`);
    await this.assigner.reload();
    this.outbound.experimentChanged({ experiment_id: dto.experiment_id, change: 'created', status });
    return this.get(dto.experiment_id);
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
    return experimentResponse(updated);
  }

  async results(id: string, attributionHours = DEFAULT_ATTRIBUTION_HOURS): Promise<ExperimentResultsDto> {
    const experiment = await this.find(id);
    const [participants, impressions, feedback] = await Promise.all([
      this.experiments.participantsByVariant(id),
      this.impressions.countByVariant(id),
      this.impressions.attributedFeedback(id, attributionHours * 3600_000),
    ]);
    return computeResults({
      experiment,
      counts: variantCounts(experiment, participants, impressions, feedback),
      attributionHours,
    });
  }

  private async find(id: string): Promise<Experiment> {
    const experiment = await this.experiments.getById(id);
    if (!experiment) throw new NotFoundException(`experiment ${id} not found`);
    return experiment;
  }
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

function variantCounts(
  experiment: Experiment,
  participants: Map<string, number>,
  impressions: Map<string, number>,
  feedback: AttributedFeedback[],
): Map<string, VariantCounts> {
  const counts = new Map<string, VariantCounts>(
    experiment.variants.map((v) => [
      v.variant_id,
      {
        participants: participants.get(v.variant_id) ?? 0,
        impressions: impressions.get(v.variant_id) ?? 0,
        events: { click: 0, save: 0, hide: 0 },
        users: { click: 0, save: 0, hide: 0 },
      },
    ]),
  );
  for (const row of feedback) {
    const c = counts.get(row.variantId);
    if (!c) continue;
    c.events[row.action] = row.events;
    c.users[row.action] = row.users;
  }
  return counts;
}
