import { Inject, Injectable } from '@nestjs/common';
import { Knex } from 'knex';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AlgorithmName, AlgorithmParams } from '../algorithms/types';
import { KNEX } from '../common/database';
import { fromJson, toJson } from './json-columns';

/** superseded: was active until another version of its algorithm was activated (a newer one, or a rollback). */
export const MODEL_STATUSES = ['training', 'candidate', 'active', 'superseded', 'rejected', 'failed', 'archived'] as const;
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
  checksum: string | null;
  artifactBytes: number | null;
  lastInteractionId: number | null;
  error: string | null;
  reason: string | null;
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
  checksum: string | null;
  artifact_bytes: number | null;
  last_interaction_id: number | null;
  error: string | null;
  reason: string | null;
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
    const rows = await this.db<ModelRow>('model_versions').modify(where).orderBy('id', 'desc').limit(filter.limit).offset(filter.offset);
    const count = await this.db('model_versions').modify(where).count<{ n: number | string }[]>({ n: '*' }).first();
    return { models: rows.map(toModel), total: Number(count?.n ?? 0) };
  }

  async getLatestVersion(algorithm: AlgorithmName): Promise<string | undefined> {
    const row = await this.db<ModelRow>('model_versions').where({ algorithm }).orderBy('id', 'desc').first('version');
    return row?.version;
  }

  async create(model: Pick<ModelVersion, 'version' | 'algorithm' | 'params' | 'windowStart' | 'windowEnd'>): Promise<number> {
    const [id] = await this.db('model_versions').insert({
      version: model.version,
      algorithm: model.algorithm,
      params: toJson(model.params),
      status: 'training',
      window_start: model.windowStart,
      window_end: model.windowEnd,
      created_at: Date.now(),
    });
    return Number(id);
  }

  async update(
    id: number,
    changes: Partial<Pick<ModelVersion, 'status' | 'params' | 'trainingSamples' | 'durationMs' | 'metrics' | 'checksum' | 'artifactBytes' | 'lastInteractionId' | 'error' | 'reason' | 'finishedAt' | 'activatedAt'>>,
    trx: Knex = this.db,
  ): Promise<void> {
    const row: Partial<ModelRow> = {};
    if (changes.status !== undefined) row.status = changes.status;
    if (changes.params !== undefined) row.params = toJson(changes.params);
    if (changes.trainingSamples !== undefined) row.training_samples = changes.trainingSamples;
    if (changes.durationMs !== undefined) row.duration_ms = changes.durationMs;
    if (changes.metrics !== undefined) row.metrics = toJson(changes.metrics);
    if (changes.checksum !== undefined) row.checksum = changes.checksum;
    if (changes.artifactBytes !== undefined) row.artifact_bytes = changes.artifactBytes;
    if (changes.lastInteractionId !== undefined) row.last_interaction_id = changes.lastInteractionId;
    if (changes.error !== undefined) row.error = changes.error;
    if (changes.reason !== undefined) row.reason = changes.reason;
    if (changes.finishedAt !== undefined) row.finished_at = changes.finishedAt;
    if (changes.activatedAt !== undefined) row.activated_at = changes.activatedAt;
    await trx('model_versions').where({ id }).update(row);
  }

  /** Makes `id` the only active version of its algorithm; the one it replaces is superseded. */
  async activate(id: number, algorithm: AlgorithmName): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('model_versions').where({ algorithm, status: 'active' }).whereNot({ id }).update({ status: 'superseded' });
      await this.update(id, { status: 'active', activatedAt: Date.now() }, trx);
    });
  }

  /** Versions left `training` by a process that died mid-run, and any chunks they had stored. */
  async failInterrupted(): Promise<number> {
    await this.db('model_artifact_chunks').whereIn('model_id', this.db('model_versions').where({ status: 'training' }).select('id')).delete();
    return this.db('model_versions')
      .where({ status: 'training' })
      .update({ status: 'failed', error: 'interrupted: the process stopped before training finished', finished_at: Date.now() });
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
    checksum: row.checksum,
    artifactBytes: nullableNumber(row.artifact_bytes),
    lastInteractionId: nullableNumber(row.last_interaction_id),
    error: row.error,
    reason: row.reason,
    createdAt: Number(row.created_at),
    finishedAt: nullableNumber(row.finished_at),
    activatedAt: nullableNumber(row.activated_at),
  };
}
