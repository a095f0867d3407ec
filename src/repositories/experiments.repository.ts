import { Inject, Injectable } from '@nestjs/common';
import { Knex } from 'knex';
import { AlgorithmName, AlgorithmParams } from '../algorithms/types';
import { KNEX } from '../database/database';
import { VariantShare } from '../domain/experiments';
import { DEFAULT_PRIMARY_METRIC, type MetricName } from '../domain/experiments';
import { fromJson, toJson } from './json-columns';

/** A 5% relative lift: a common smallest effect worth shipping for a ranking change. */
export const DEFAULT_TARGET_LIFT = 0.05;

export const EXPERIMENT_STATUSES = ['draft', 'active', 'paused', 'completed'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

/** Stored as the API spells it, so the list passes to assignVariant unchanged. */
export interface ExperimentVariant extends VariantShare {
  name: string;
  algorithm: AlgorithmName;
  params: AlgorithmParams;
}

export interface Experiment {
  id: string;
  name: string;
  description: string;
  status: ExperimentStatus;
  variants: ExperimentVariant[];
  metricsTracked: MetricName[];
  /** The metric the verdict is about, declared before the data comes in. */
  primaryMetric: MetricName;
  /** Metrics that must not move the harmful way; a significant harmful move is a breach. */
  guardrailMetrics: MetricName[];
  /** `sequential` (always valid, however often read) or `fixed_horizon` (one pre-registered read). */
  inference: 'sequential' | 'fixed_horizon';
  /** The relative lift the duration estimate is for. */
  targetLift: number;
  /** QA users pinned to a variant: user id → variant id. */
  forcedAssignments: Record<string, string>;
  startAt: number | null;
  endAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export type ExperimentWrite = Omit<Experiment, 'createdAt' | 'updatedAt'>;
export type ExperimentChanges = Partial<Omit<ExperimentWrite, 'id'>>;

interface ExperimentRow {
  id: string;
  name: string;
  description: string;
  status: ExperimentStatus;
  variants: string;
  metrics_tracked: string;
  primary_metric: MetricName | null;
  guardrail_metrics: string | null;
  inference: 'sequential' | 'fixed_horizon' | null;
  target_lift: number | string | null;
  forced_assignments: string | null;
  start_at: number | null;
  end_at: number | null;
  created_at: number;
  updated_at: number;
}

@Injectable()
export class ExperimentsRepository {
  constructor(@Inject(KNEX) private readonly db: Knex) {}

  async getById(id: string, trx: Knex = this.db): Promise<Experiment | undefined> {
    const row = await trx<ExperimentRow>('experiments').where({ id }).first();
    return row && toExperiment(row);
  }

  async list(status?: ExperimentStatus): Promise<Experiment[]> {
    const query = this.db<ExperimentRow>('experiments').orderBy([{ column: 'created_at' }, { column: 'id' }]);
    if (status !== undefined) query.where({ status });
    return (await query).map(toExperiment);
  }

  /** Returns false when the id is taken (also when another replica won a race for it). */
  async create(experiment: ExperimentWrite): Promise<boolean> {
    const now = Date.now();
    try {
      await this.db.transaction(async (trx) => {
        await trx('experiments').insert({ ...toRow(experiment), created_at: now, updated_at: now });
        await recordSplit(trx, experiment.id, experiment.variants, now);
      });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Idempotent: any number of replicas may run it at start-up at the same time. */
  async insertIfMissing(experiment: ExperimentWrite): Promise<void> {
    const now = Date.now();
    await this.db.transaction(async (trx) => {
      await trx('experiments')
        .insert({ ...toRow(experiment), created_at: now, updated_at: now })
        .onConflict('id')
        .ignore();
      const recorded = await trx('experiment_splits')
        .where({ experiment_id: experiment.id })
        .first<{ id: number } | undefined>('id');
      if (!recorded) await recordSplit(trx, experiment.id, experiment.variants, now);
    });
  }

  /** The traffic splits in force over time, oldest first: variant id → percentage from effectiveAt on. */
  async splitHistory(experimentId: string): Promise<{ effectiveAt: number; shares: Record<string, number> }[]> {
    const rows: { shares: string; effective_at: number | string }[] = await this.db('experiment_splits')
      .where({ experiment_id: experimentId })
      .orderBy([{ column: 'effective_at' }, { column: 'id' }])
      .select('shares', 'effective_at');
    return rows.map((row) => ({ effectiveAt: Number(row.effective_at), shares: fromJson(row.shares, {}) }));
  }

  /** Participants assigned in [from, to). */
  async countAssignedBetween(experimentId: string, from: number, to: number): Promise<Map<string, number>> {
    const rows = await this.db('experiment_assignments')
      .where({ experiment_id: experimentId })
      .where('assigned_at', '>=', from)
      .where('assigned_at', '<', to)
      .groupBy('variant_id')
      .select('variant_id')
      .count<{ variant_id: string; n: number | string }[]>({ n: '*' });
    return new Map(rows.map((row) => [row.variant_id, Number(row.n)]));
  }

  /**
   * Applies `decide(current)` to the stored experiment in one transaction and writes the changes
   * only if nobody else changed the row meanwhile (compare-and-set on updated_at), so two
   * replicas patching at once cannot lose an update. `decide` may throw to refuse the change.
   * Returns undefined for an unknown id, false when the row changed underneath.
   */
  async update(
    id: string,
    decide: (current: Experiment, trx: Knex.Transaction) => Promise<ExperimentChanges>,
  ): Promise<Experiment | false | undefined> {
    return this.db.transaction(async (trx) => {
      const current = await this.getById(id, trx);
      if (!current) return undefined;
      const changes = await decide(current, trx);
      // Strictly increasing even within one millisecond, so the compare-and-set always sees a change.
      const updatedAt = Math.max(Date.now(), current.updatedAt + 1);
      const written = await trx('experiments')
        .where({ id, updated_at: current.updatedAt })
        .update({ ...toRow({ ...current, ...changes }), updated_at: updatedAt });
      if (written === 0) return false;
      if (changes.variants && !sameSplit(current.variants, changes.variants)) {
        await recordSplit(trx, id, changes.variants, updatedAt);
      }
      return { ...current, ...changes, updatedAt };
    });
  }

  /** The variant stored at the user's first exposure, if any. */
  async getAssignedVariant(experimentId: string, userId: string): Promise<string | undefined> {
    const row = await this.db('experiment_assignments')
      .where({ experiment_id: experimentId, user_id: userId })
      .first<{ variant_id: string } | undefined>('variant_id');
    return row?.variant_id;
  }

  /**
   * Stores the assignment unless one exists and returns the one that is stored: if another
   * replica got there first (possibly with a different split), its choice wins everywhere.
   */
  async assignIfAbsent(experimentId: string, userId: string, variantId: string): Promise<string> {
    await this.db('experiment_assignments')
      .insert({ experiment_id: experimentId, user_id: userId, variant_id: variantId, assigned_at: Date.now() })
      .onConflict(['experiment_id', 'user_id'])
      .ignore();
    return (await this.getAssignedVariant(experimentId, userId)) ?? variantId;
  }

  async countAssignments(experimentId: string, trx: Knex = this.db): Promise<number> {
    const row = await trx('experiment_assignments')
      .where({ experiment_id: experimentId })
      .count<{ n: number | string }[]>({ n: '*' })
      .first();
    return Number(row?.n ?? 0);
  }

  /** Assigned users per variant id. */
  async participantsByVariant(experimentId: string): Promise<Map<string, number>> {
    const rows = await this.db('experiment_assignments')
      .where({ experiment_id: experimentId })
      .groupBy('variant_id')
      .select('variant_id')
      .count<{ variant_id: string; n: number | string }[]>({ n: '*' });
    return new Map(rows.map((row) => [row.variant_id, Number(row.n)]));
  }
}

function sharesOf(variants: readonly ExperimentVariant[]): Record<string, number> {
  return Object.fromEntries(variants.map((v) => [v.variant_id, v.traffic_percentage]));
}

function sameSplit(a: readonly ExperimentVariant[], b: readonly ExperimentVariant[]): boolean {
  return JSON.stringify(sharesOf(a)) === JSON.stringify(sharesOf(b));
}

async function recordSplit(trx: Knex, experimentId: string, variants: readonly ExperimentVariant[], at: number) {
  await trx('experiment_splits').insert({
    experiment_id: experimentId,
    shares: toJson(sharesOf(variants)),
    effective_at: at,
  });
}

function isDuplicateKey(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function toRow(e: ExperimentWrite) {
  return {
    id: e.id,
    name: e.name,
    description: e.description,
    status: e.status,
    variants: toJson(e.variants),
    metrics_tracked: toJson(e.metricsTracked),
    primary_metric: e.primaryMetric,
    guardrail_metrics: toJson(e.guardrailMetrics),
    inference: e.inference,
    target_lift: e.targetLift,
    forced_assignments: toJson(e.forcedAssignments),
    start_at: e.startAt,
    end_at: e.endAt,
  };
}

function toExperiment(row: ExperimentRow): Experiment {
  const nullableNumber = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    variants: fromJson(row.variants, []),
    metricsTracked: fromJson(row.metrics_tracked, []),
    primaryMetric: row.primary_metric ?? fromJson<MetricName[]>(row.metrics_tracked, [])[0] ?? DEFAULT_PRIMARY_METRIC,
    guardrailMetrics: fromJson(row.guardrail_metrics, []),
    inference: row.inference ?? 'sequential',
    targetLift: row.target_lift === null ? DEFAULT_TARGET_LIFT : Number(row.target_lift),
    forcedAssignments: fromJson(row.forced_assignments, null) ?? {},
    startAt: nullableNumber(row.start_at),
    endAt: nullableNumber(row.end_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
