import { defaultModel } from '../model-registry/default-model';
import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { modelVersionResponse, validationMetrics } from '../model-registry/model-registry.dto';
import { RetrainRequestDto } from './training.dto';
import { RetrainOptions, TrainingService } from './training.service';

/** POST /v1/model/retrain: starts a run and answers in the contract's shape, at the end or at once. */
@Injectable()
export class RetrainService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly training: TrainingService,
  ) {}

  async retrain(dto: RetrainRequestDto) {
    const run = await this.training.start(toOptions(dto));
    const versions = await run.done;
    const primary = defaultModel(this.config.defaultAlgorithm, versions) ?? versions[0];
    return {
      status: versions.every((v) => v.status === 'failed') ? 'failed' : 'success',
      model_version: primary.version,
      metrics: {
        training_samples: primary.trainingSamples,
        training_duration_seconds: (primary.durationMs ?? 0) / 1000,
        validation_metrics: validationMetrics(primary.metrics),
      },
      models: versions.map(modelVersionResponse),
    };
  }

  async retrainAsync(dto: RetrainRequestDto) {
    const run = await this.training.start(toOptions(dto));
    void run.done.catch(() => undefined);
    return { status: 'training', model_ids: run.versionIds };
  }
}

function toOptions(dto: RetrainRequestDto): RetrainOptions {
  const startDate = dto.start_date === undefined ? undefined : Date.parse(dto.start_date);
  const endDate = dto.end_date === undefined ? undefined : Date.parse(dto.end_date);
  if (startDate !== undefined && endDate !== undefined && endDate <= startDate) {
    throw new BadRequestException('end_date must be after start_date');
  }
  // Their values are checked against the algorithm's schema when the run is admitted.
  if (dto.params !== undefined && dto.algorithm === undefined) {
    throw new BadRequestException('params needs an algorithm: parameters differ between algorithms');
  }
  return { algorithm: dto.algorithm, params: dto.params, startDate, endDate, force: dto.force };
}
