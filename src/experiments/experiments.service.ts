import { BadRequestException, ConflictException, Injectable, NotFoundException, OnApplicationBootstrap } from '@nestjs/common';
import { getAlgorithm } from '../algorithms/registry';
import { AlgorithmName, AlgorithmParams } from '../algorithms/types';
import { AttributedFeedback, ImpressionsRepository } from '../repositories/impressions.repository';
import {
  Experiment,
  ExperimentChanges,
  ExperimentsRepository,
  ExperimentStatus,
  ExperimentVariant,
  ExperimentWrite,
} from '../repositories/experiments.repository';
import { ExperimentAssigner } from './experiment-assigner';
import { computeResults, METRICS, VariantCounts } from './experiment-results';
import {
  CreateExperimentDto,
  ExperimentListDto,
  ExperimentResponseDto,
  experimentResponse,
  ExperimentResultsDto,
  UpdateExperimentDto,
  VariantDto,
} from './experiments.dto';

/** The experiment the spec asks every installation to start with. */
export const SEED_EXPERIMENT: ExperimentWrite = {
  id: 'rec_algorithm_v1',
  name: 'Recommendation Algorithm Test',
  description: 'Popularity (control) against collaborative filtering and content-based recommendations',
  status: 'active',
  variants: [
    { variant_id: 'control', name: 'Baseline', algorithm: 'popularity', params: {}, traffic_percentage: 40 },
    { variant_id: 'collaborative_filtering', name: 'Collaborative Filtering', algorithm: 'collaborative_filtering', params: {}, traffic_percentage: 30 },
    { variant_id: 'content_based', name: 'Content-Based', algorithm: 'content_based', params: {}, traffic_percentage: 30 },
  ],
  metricsTracked: [...METRICS],
  forcedAssignments: {},
  startAt: null,
  endAt: null,
};

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
export class ExperimentsService implements OnApplicationBootstrap {
  constructor(
    private readonly experiments: ExperimentsRepository,
    private readonly impressions: ImpressionsRepository,
    private readonly assigner: ExperimentAssigner,
  ) {}

  /** Insert-if-missing, so every replica may run it at once and an operator's edits survive restarts. */
  async onApplicationBootstrap(): Promise<void> {
    await this.experiments.insertIfMissing({ ...SEED_EXPERIMENT, startAt: Date.now() });
  }

  async list(status?: ExperimentStatus): Promise<ExperimentListDto> {
    const experiments = (await this.experiments.list(status)).map(experimentResponse);
    return { experiments, count: experiments.length };
  }

  async get(id: string): Promise<ExperimentResponseDto> {
    return experimentResponse(await this.find(id));
  }

  async create(dto: CreateExperimentDto): Promise<ExperimentResponseDto> {
    const variants = checkVariants(dto.variants);
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
    if (!(await this.experiments.create(experiment))) throw new ConflictException(`experiment ${dto.experiment_id} already exists`);
    await this.assigner.reload();
    return this.get(dto.experiment_id);
  }

  async update(id: string, dto: UpdateExperimentDto): Promise<ExperimentResponseDto> {
    const updated = await this.experiments.update(id, async (current, trx) => {
      if (current.status === 'completed') throw new ConflictException(`experiment ${id} is completed and can no longer change`);
      const changes: ExperimentChanges = {};
      if (dto.name !== undefined) changes.name = dto.name;
      if (dto.description !== undefined) changes.description = dto.description;
      if (dto.metrics_tracked !== undefined) changes.metricsTracked = dto.metrics_tracked;
      if (dto.status !== undefined && dto.status !== current.status) Object.assign(changes, transition(current, dto.status));
      if (dto.variants !== undefined) {
        changes.variants = checkVariants(dto.variants);
        const removed = current.variants.filter((v) => !changes.variants?.some((n) => n.variant_id === v.variant_id));
        if (removed.length > 0 && (await this.experiments.countAssignments(id, trx)) > 0) {
          throw new ConflictException(
            `variants: ${removed.map((v) => v.variant_id).join(', ')} cannot be removed because users are already assigned to this experiment`,
          );
        }
      }
      changes.forcedAssignments = checkForced(dto.forced_assignments ?? current.forcedAssignments, changes.variants ?? current.variants);
      return changes;
    });
    if (updated === undefined) throw new NotFoundException(`experiment ${id} not found`);
    if (updated === false) throw new ConflictException(`experiment ${id} was changed by another request meanwhile; retry`);
    await this.assigner.reload();
    return experimentResponse(updated);
  }

  async results(id: string, attributionHours = DEFAULT_ATTRIBUTION_HOURS): Promise<ExperimentResultsDto> {
    const experiment = await this.find(id);
    const [participants, impressions, feedback] = await Promise.all([
      this.experiments.participantsByVariant(id),
      this.impressions.countByVariant(id),
      this.impressions.attributedFeedback(id, attributionHours * 3600_000),
    ]);
    return computeResults({ experiment, counts: variantCounts(experiment, participants, impressions, feedback), attributionHours });
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
    throw new ConflictException(`status: experiment ${current.id} cannot go from ${current.status} to ${to} (allowed: ${allowed})`);
  }
  const now = Date.now();
  if (to === 'active') return { status: to, startAt: current.startAt ?? now };
  if (to === 'completed') return { status: to, endAt: now };
  return { status: to };
}

function checkVariants(dtos: VariantDto[]): ExperimentVariant[] {
  const seen = new Set<string>();
  for (const dto of dtos) {
    if (seen.has(dto.variant_id)) throw new BadRequestException(`variants: variant_id ${dto.variant_id} appears more than once`);
    seen.add(dto.variant_id);
  }
  const total = dtos.reduce((sum, dto) => sum + dto.traffic_percentage, 0);
  if (Math.abs(total - 100) > PERCENT_TOLERANCE) {
    throw new BadRequestException(`variants: traffic_percentage must add up to 100, got ${Math.round(total * 100) / 100}`);
  }
  return dtos.map((dto, index) => ({
    variant_id: dto.variant_id,
    name: dto.name ?? dto.variant_id,
    algorithm: dto.algorithm,
    params: checkParams(dto.algorithm, dto.params ?? {}, `variants.${index}.params`),
    traffic_percentage: dto.traffic_percentage,
  }));
}

/** Catches a misspelt parameter at creation instead of leaving it silently ignored. */
function checkParams(algorithm: AlgorithmName, params: AlgorithmParams, path: string): AlgorithmParams {
  const defaults = getAlgorithm(algorithm).defaults;
  for (const [name, value] of Object.entries(params)) {
    if (!Object.hasOwn(defaults, name)) {
      throw new BadRequestException(`${path}.${name} is not a parameter of ${algorithm} (known: ${Object.keys(defaults).join(', ') || 'none'})`);
    }
    if (typeof value !== typeof defaults[name]) throw new BadRequestException(`${path}.${name} must be a ${typeof defaults[name]}`);
  }
  return params;
}

function checkForced(forced: Record<string, string>, variants: ExperimentVariant[]): Record<string, string> {
  for (const [userId, variantId] of Object.entries(forced)) {
    if (!variants.some((v) => v.variant_id === variantId)) {
      throw new BadRequestException(`forced_assignments: user ${userId} is pinned to ${variantId}, which is not a variant of this experiment`);
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
