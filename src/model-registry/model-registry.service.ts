import { defaultModel } from './default-model';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ModelsRepository, ModelVersion } from '../repositories/models.repository';
import { Telemetry } from '../telemetry/telemetry';
import { ModelActivator } from './model-activator';
import {
  ModelInfoDto,
  ModelListDto,
  ModelListQueryDto,
  ModelVersionDto,
  modelVersionResponse,
  validationMetrics,
} from './model-registry.dto';

@Injectable()
export class ModelRegistryService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly models: ModelsRepository,
    private readonly activator: ModelActivator,
    private readonly telemetry: Telemetry,
  ) {}

  /** The contract's shape, for the default algorithm's active version, plus every active version. */
  async info(): Promise<ModelInfoDto> {
    const actives = await this.models.getActive();
    const primary = defaultModel(this.config.defaultAlgorithm, actives) ?? actives[0];
    const { predictions, totalLatencyMs } = this.telemetry.serving;
    return {
      model_version: primary?.version ?? null,
      algorithm: primary?.algorithm ?? null,
      last_trained: primary?.finishedAt ? new Date(primary.finishedAt).toISOString() : null,
      training_samples: primary?.trainingSamples ?? 0,
      validation_metrics: validationMetrics(primary?.metrics ?? null),
      prediction_count: predictions,
      avg_latency_ms: predictions === 0 ? 0 : Math.round((totalLatencyMs / predictions) * 100) / 100,
      active_models: actives.map(modelVersionResponse),
    };
  }

  async list(query: ModelListQueryDto): Promise<ModelListDto> {
    const limit = query.limit ?? 20;
    const offset = query.offset ?? 0;
    const { models, total } = await this.models.list({
      status: query.status,
      algorithm: query.algorithm,
      limit,
      offset,
    });
    return { models: models.map(modelVersionResponse), total, limit, offset };
  }

  async get(id: number): Promise<ModelVersionDto> {
    return modelVersionResponse(await this.getVersion(id));
  }

  async activate(id: number): Promise<ModelVersionDto> {
    await this.activator.activate(id);
    return modelVersionResponse(await this.getVersion(id));
  }

  /** Asks the version's trainer, on whichever replica, to stop it; it ends `cancelled` within seconds. */
  async cancel(id: number): Promise<ModelVersionDto> {
    await this.getVersion(id);
    if (!(await this.models.requestCancel(id))) {
      throw new ConflictException(
        `model ${id} is ${(await this.getVersion(id)).status}; only a training version can be cancelled`,
      );
    }
    return modelVersionResponse(await this.getVersion(id));
  }

  private async getVersion(id: number): Promise<ModelVersion> {
    const version = await this.models.getById(id);
    if (!version) throw new NotFoundException(`model ${id} not found`);
    return version;
  }
}
