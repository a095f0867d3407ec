import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { ALGORITHMS, AlgorithmName } from '../algorithms/types';
import { MAX_LIST_OFFSET } from '../common/validation';
import { MODEL_STATUSES, ModelStatus, ModelVersion } from '../repositories/models.repository';

export class ModelListQueryDto {
  @ApiPropertyOptional({ enum: MODEL_STATUSES })
  @IsOptional()
  @IsIn(MODEL_STATUSES)
  status?: ModelStatus;

  @ApiPropertyOptional({ enum: ALGORITHMS })
  @IsOptional()
  @IsIn(ALGORITHMS)
  algorithm?: AlgorithmName;

  @ApiPropertyOptional({ example: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ example: 0, maximum: MAX_LIST_OFFSET })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_LIST_OFFSET)
  offset?: number;
}

export class ModelIdParamDto {
  @Type(() => Number)
  @IsInt({ message: 'id must be an integer model id' })
  @Min(1)
  id: number;
}

/** A version's offline metrics as /v1/models lists them. */
export class ModelMetricsDto {
  @ApiProperty({ example: 0.21 }) precision_at_10: number;
  @ApiProperty({ example: 0.34 }) recall_at_10: number;
  @ApiProperty({ example: 0.39 }) ndcg_at_10: number;
  @ApiProperty({ example: 0.18, description: 'MAP@10' }) map_at_10: number;
  @ApiProperty({ example: 0.62, description: 'Share of the catalogue that appears in some top-10' }) coverage: number;
  @ApiProperty({
    example: 0.71,
    required: false,
    description:
      'Mean over users of 1 − cosine between the content features of every pair in their top 10 (absent for versions trained before it was measured)',
  })
  intra_list_diversity?: number;
}

/** The same metrics in /v1/model/info, which also keeps the contract's name for MAP@10. */
export class ValidationMetricsDto extends ModelMetricsDto {
  @ApiProperty({ example: 0.18, description: "MAP@10 under the contract's name: always equal to map_at_10" })
  map: number;
}

export class ModelVersionDto {
  @ApiProperty({ example: 3 }) id: number;
  @ApiProperty({ example: 'v1.0.2' }) version: string;
  @ApiProperty({ enum: ALGORITHMS }) algorithm: string;
  @ApiProperty({
    enum: MODEL_STATUSES,
    description:
      'superseded: was active until another version of its algorithm was activated; activating it again is a rollback',
  })
  status: string;
  @ApiProperty({ example: { neighbours: 100 } }) params: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: ModelMetricsDto }) metrics: Record<string, number> | null;
  @ApiProperty({
    example: [{ params: { half_life_days: 0 }, ndcg_at_10: 0.21 }],
    description:
      "What the run tried on its validation split (carved from the training data) before choosing params: hybrid blends, popularity half-lives, and with `tune: true` a search over the algorithm's grid",
  })
  trials: { params: Record<string, unknown>; ndcg_at_10: number }[];
  @ApiProperty({ example: 15432 }) training_samples: number;
  @ApiProperty({ example: 4.2, nullable: true }) training_duration_seconds: number | null;
  @ApiProperty({ nullable: true, example: null }) training_window: { start: string | null; end: string | null };
  @ApiProperty({ nullable: true, example: '9f86d08…' }) checksum: string | null;
  @ApiProperty({ nullable: true, example: 1048576 }) artifact_bytes: number | null;
  @ApiProperty({ nullable: true, example: null, description: 'Why the gate rejected it' }) reason: string | null;
  @ApiProperty({ nullable: true, example: null, description: 'Why training failed or stopped' }) error: string | null;
  @ApiProperty({ example: false, description: 'A cancel was requested; the trainer stops it within seconds' })
  cancel_requested: boolean;
  @ApiProperty({ example: '2026-11-23T02:00:00.000Z' }) created_at: string;
  @ApiProperty({ nullable: true }) finished_at: string | null;
  @ApiProperty({ nullable: true }) activated_at: string | null;
}

export class ModelListDto {
  @ApiProperty({ type: [ModelVersionDto] }) models: ModelVersionDto[];
  @ApiProperty({ example: 12 }) total: number;
  @ApiProperty({ example: 20 }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
}

export class ModelInfoDto {
  @ApiProperty({ example: 'v1.0.0', nullable: true }) model_version: string | null;
  @ApiProperty({ example: 'hybrid', nullable: true }) algorithm: string | null;
  @ApiProperty({ example: '2026-11-23T02:00:00Z', nullable: true }) last_trained: string | null;
  @ApiProperty({ example: 15432 }) training_samples: number;
  @ApiProperty({ type: ValidationMetricsDto, nullable: true }) validation_metrics: ValidationMetricsDto | null;
  @ApiProperty({ example: 245678, description: 'Recommendations served by this replica since it started' })
  prediction_count: number;
  @ApiProperty({ example: 2.5 }) avg_latency_ms: number;
  @ApiProperty({ type: [ModelVersionDto], description: 'The active version of every algorithm' })
  active_models: ModelVersionDto[];
}

export function modelVersionResponse(m: ModelVersion): ModelVersionDto {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: m.id,
    version: m.version,
    algorithm: m.algorithm,
    status: m.status,
    params: m.params,
    metrics: m.metrics,
    trials: m.trials,
    training_samples: m.trainingSamples,
    training_duration_seconds: m.durationMs === null ? null : m.durationMs / 1000,
    training_window: { start: iso(m.windowStart), end: iso(m.windowEnd) },
    checksum: m.checksum,
    artifact_bytes: m.artifactBytes,
    reason: m.reason,
    error: m.error,
    cancel_requested: m.cancelRequested,
    created_at: new Date(m.createdAt).toISOString(),
    finished_at: iso(m.finishedAt),
    activated_at: iso(m.activatedAt),
  };
}

/** Every algorithm's params, from the schemas the requests are checked against (Markdown for Swagger). */
export function validationMetrics(metrics: Record<string, number> | null): ValidationMetricsDto | null {
  if (!metrics) return null;
  return {
    precision_at_10: metrics.precision_at_10,
    recall_at_10: metrics.recall_at_10,
    ndcg_at_10: metrics.ndcg_at_10,
    map_at_10: metrics.map_at_10,
    coverage: metrics.coverage,
    ...(metrics.intra_list_diversity !== undefined && { intra_list_diversity: metrics.intra_list_diversity }),
    map: metrics.map_at_10,
  };
}
