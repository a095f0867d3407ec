import { Inject, Injectable } from '@nestjs/common';
import { Knex } from 'knex';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AlgorithmName, AlgorithmParams, Trial } from '../algorithms/types';
import { KNEX } from '../database/database';
import { fromJson, toJson } from './json-columns';

/** superseded: was active until another version of its algorithm was activated (a newer one, or a rollback). */
export const MODEL_STATUSES = [
  'training',
  'candidate',
  'active',
  'superseded',
  'rejected',
  'failed',
  'cancelled',
  'archived',
] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

export interface ModelVersion {
  id: number;
  version: string;
  algorithm: AlgorithmName;
  params: AlgorithmParams;
  status: ModelStatus;
  windowStart: number | null;
  windowEnd: number | null;
  trainingSamples: number;
  durationMs: number | null;
  metrics: Record<string, number> | null;
  /** What the run tried on its validation split to choose `params`; empty when nothing was chosen there. */
  trials: Trial[];
  checksum: string | null;
  artifactBytes: number | null;
  lastInteractionId: number | null;
  error: string | null;
  reason: string | null;
  /** Someone asked to cancel it; its trainer stops it at the next poll. */
  cancelRequested: boolean;
  createdAt: number;
  finishedAt: number | null;
  activatedAt: number | null;
}

interface ModelRow {
  id: number;
  version: string;
  algorithm: AlgorithmName;
  params: string;
  status: ModelStatus;
  window_start: number | null;
  window_end: number | null;
  training_samples: number;
  duration_ms: number | null;
  metrics: string | null;
  trials: string | null;
  checksum: string | null;
  artifact_bytes: number | null;
  last_interaction_id: number | null;
  error: string | null;
  reason: string | null;
  trainer: string | null;
  cancel_requested: number | boolean;
  created_at: number;
  finished_at: number | null;
  activated_at: number | null;
}

/** MySQL's default max_allowed_packet is 16 MiB (64 MiB on MariaDB 10.11); 4 MiB chunks pass either. */
const CHUNK_BYTES = 4 * 1024 * 1024;

export interface ModelListFilter {
  status?: ModelStatus;
  algorithm?: AlgorithmName;
  limit: number;
  offset: number;
}

@Injectable()
export class ModelsRepository {
  constructor(@Inject(KNEX) private readonly db: Knex) {}

  async getById(id: number): Promise<ModelVersion | undefined> {
    const row = await this.db<ModelRow>('model_versions').where({ id }).first();
    return row && toModel(row);
  }

  async getActive(): Promise<ModelVersion[]> {
    const rows = await this.db<ModelRow>('model_versions').where({ status: 'active' }).orderBy('id');
    return rows.map(toModel);
  }

  async list(filter: ModelListFilter): Promise<{ models: ModelVersion[]; total: number }> {
    const where = (q: Knex.QueryBuilder) => {
      if (filter.status) q.where('status', filter.status);
      if (filter.algorithm) q.where('algorithm', filter.algorithm);
    };
    const rows = await this.db<ModelRow>('model_versions')
      .modify<ModelRow, ModelRow[]>(where)
      .orderBy('id', 'desc')
      .limit(filter.limit)
      .offset(filter.offset);
    const count = await this.db('model_versions').modify(where).count<{ n: number | string }[]>({ n: '*' }).first();
    return { models: rows.map(toModel), total: Number(count?.n ?? 0) };
  }

  async getLatestVersion(algorithm: AlgorithmName): Promise<string | undefined> {
    const row = await this.db<ModelRow>('model_versions').where({ algorithm }).orderBy('id', 'desc').first('version');
    return row?.version;
  }

  /** A new version in `training`, run by `trainer` (the holder of the training lease). */
  async create(
    model: Pick<ModelVersion, 'version' | 'algorithm' | 'params' | 'windowStart' | 'windowEnd'>,
    trainer: string,
  ): Promise<number> {
    const [id] = await this.db('model_versions').insert({
      version: model.version,
      algorithm: model.algorithm,
      params: toJson(model.params),
      status: 'training',
      window_start: model.windowStart,
      window_end: model.windowEnd,
      trainer,
      created_at: Date.now(),
    });
    return Number(id);
  }

  async update(id: number, changes: ModelChanges, trx: Knex = this.db): Promise<void> {
    await trx('model_versions').where({ id }).update(toRow(changes));
  }

  /**
   * Changes a version only while its run has not ended it: `training`, or a `candidate` not yet
   * promoted (and, with `unlessCancelRequested`, while nobody asked to cancel it); false when it
   * has ended, e.g. another replica failed it.
   */
  async updateUnfinished(id: number, changes: ModelChanges, unlessCancelRequested = false): Promise<boolean> {
    const query = this.db('model_versions').where({ id }).whereIn('status', ['training', 'candidate']);
    if (unlessCancelRequested) query.andWhere('cancel_requested', false);
    return (await query.update(toRow(changes))) > 0;
  }

  /** Asks the trainer of a `training` version to stop it; false when the version is not training. */
  async requestCancel(id: number): Promise<boolean> {
    return (await this.db('model_versions').where({ id, status: 'training' }).update({ cancel_requested: true })) > 0;
  }

  /** Which of `ids` are still training with a cancel request. */
  async getCancelRequested(ids: number[]): Promise<number[]> {
    const rows = await this.db('model_versions')
      .whereIn('id', ids)
      .andWhere({ status: 'training', cancel_requested: true })
      .pluck('id');
    return rows.map(Number);
  }

  /**
   * Fails `training` versions whose trainer no longer holds the live lease `lease` (it crashed, or
   * lost the lease), and deletes any chunks they had stored. One conditional statement decides, so
   * a run whose trainer is alive is never touched, even while its versions are being created.
   */
  async failOrphaned(lease: string, error: string): Promise<number> {
    const now = Date.now();
    const orphaned = (q: Knex.QueryBuilder) => {
      q.where('model_versions.status', 'training').whereNotExists(
        this.db('leases')
          .select('leases.name')
          .where('leases.name', lease)
          .andWhere('leases.holder', this.db.ref('model_versions.trainer'))
          .andWhere('leases.expires_at', '>=', now),
      );
    };
    const ids = await this.db('model_versions').modify(orphaned).pluck('id');
    if (ids.length === 0) return 0;
    const failed = await this.db('model_versions')
      .whereIn('id', ids)
      .modify(orphaned)
      .update({ status: 'failed', error, finished_at: now });
    // After the status change: a trainer still writing finds its version failed and deletes its own chunks.
    await this.db('model_artifact_chunks')
      .whereIn('model_id', this.db('model_versions').whereIn('id', ids).andWhere('status', 'failed').select('id'))
      .delete();
    return failed;
  }

  /** Makes `id` the only active version of its algorithm; the one it replaces is superseded. */
  async activate(id: number, algorithm: AlgorithmName): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('model_versions')
        .where({ algorithm, status: 'active' })
        .whereNot({ id })
        .update({ status: 'superseded' });
      await this.update(id, { status: 'active', activatedAt: Date.now() }, trx);
    });
  }

  /**
   * One transaction per chunk: SQLite commits (and checkpoints the WAL) synchronously, and one
   * commit of a 30 MB artifact held every request for up to half a second. A partly stored
   * artifact never serves (the version becomes a candidate only after this returns, and loading
   * verifies the checksum) and is deleted when its version is marked failed.
   */
  async saveArtifact(id: number, bytes: Uint8Array): Promise<void> {
    await this.deleteArtifact(id);
    for (let seq = 0, start = 0; start < bytes.length; seq++, start += CHUNK_BYTES) {
      const chunk = Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.min(CHUNK_BYTES, bytes.length - start));
      await this.db('model_artifact_chunks').insert({ model_id: id, seq, data: chunk });
      await nextTurn();
    }
  }

  /**
   * The stored chunks in order, one query each: SQLite reads synchronously, and tens of
   * megabytes in one query would hold every request meanwhile.
   */
  async loadArtifactChunks(id: number): Promise<Buffer[] | undefined> {
    const seqs = await this.db('model_artifact_chunks').where({ model_id: id }).orderBy('seq').pluck<number[]>('seq');
    if (seqs.length === 0) return undefined;
    const chunks: Buffer[] = [];
    for (const seq of seqs) {
      const row = await this.db('model_artifact_chunks').where({ model_id: id, seq }).first<{ data: Buffer }>('data');
      if (!row) return undefined; // archived while we read
      chunks.push(row.data);
      await nextTurn();
    }
    return chunks;
  }

  async deleteArtifact(id: number): Promise<void> {
    await this.db('model_artifact_chunks').where({ model_id: id }).delete();
  }
}

type ModelChanges = Partial<
  Pick<
    ModelVersion,
    | 'status'
    | 'params'
    | 'trainingSamples'
    | 'durationMs'
    | 'metrics'
    | 'trials'
    | 'checksum'
    | 'artifactBytes'
    | 'lastInteractionId'
    | 'error'
    | 'reason'
    | 'finishedAt'
    | 'activatedAt'
  >
>;

function toRow(changes: ModelChanges): Partial<ModelRow> {
  const row: Partial<ModelRow> = {};
  if (changes.status !== undefined) row.status = changes.status;
  if (changes.params !== undefined) row.params = toJson(changes.params);
  if (changes.trainingSamples !== undefined) row.training_samples = changes.trainingSamples;
  if (changes.durationMs !== undefined) row.duration_ms = changes.durationMs;
  if (changes.metrics !== undefined) row.metrics = toJson(changes.metrics);
  if (changes.trials !== undefined) row.trials = toJson(changes.trials);
  if (changes.checksum !== undefined) row.checksum = changes.checksum;
  if (changes.artifactBytes !== undefined) row.artifact_bytes = changes.artifactBytes;
  if (changes.lastInteractionId !== undefined) row.last_interaction_id = changes.lastInteractionId;
  if (changes.error !== undefined) row.error = changes.error;
  if (changes.reason !== undefined) row.reason = changes.reason;
  if (changes.finishedAt !== undefined) row.finished_at = changes.finishedAt;
  if (changes.activatedAt !== undefined) row.activated_at = changes.activatedAt;
  return row;
}

function toModel(row: ModelRow): ModelVersion {
  const nullableNumber = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: Number(row.id),
    version: row.version,
    algorithm: row.algorithm,
    params: fromJson(row.params, {}),
    status: row.status,
    windowStart: nullableNumber(row.window_start),
    windowEnd: nullableNumber(row.window_end),
    trainingSamples: Number(row.training_samples),
    durationMs: nullableNumber(row.duration_ms),
    metrics: fromJson(row.metrics, null),
    trials: fromJson(row.trials, []),
    checksum: row.checksum,
    artifactBytes: nullableNumber(row.artifact_bytes),
    lastInteractionId: nullableNumber(row.last_interaction_id),
    error: row.error,
    reason: row.reason,
    cancelRequested: Boolean(Number(row.cancel_requested)),
    createdAt: Number(row.created_at),
    finishedAt: nullableNumber(row.finished_at),
    activatedAt: nullableNumber(row.activated_at),
  };
}
