import { Inject, Injectable, Logger, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { CorruptArtifactError } from '../algorithms/artifact-codec';
import { OutboundEvents } from '../bus/outbound-events';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ModelsRepository, ModelVersion } from '../repositories/models.repository';
import { ActiveModels } from './active-models';
import { ArtifactDecoder } from './artifact-decoder';
import { loadModel, LoadedModel } from './loaded-model';
import { ServingSnapshots } from './serving-snapshots';

/**
 * Decides which version serves: the promotion gate after training, explicit activation
 * (rollback or roll forward), and loading what another replica activated. A version is always
 * loaded and verified before the database says it is active, so a bad artifact never serves.
 */
@Injectable()
export class ModelActivator {
  private readonly logger = new Logger(ModelActivator.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly models: ModelsRepository,
    private readonly active: ActiveModels,
    private readonly decoder: ArtifactDecoder,
    private readonly snapshots: ServingSnapshots,
    private readonly outbound: OutboundEvents,
  ) {}

  /** Activates a fresh candidate unless it is worse than the active model beyond the tolerance. */
  async promoteIfBetter(id: number, force: boolean): Promise<void> {
    const candidate = await this.getVersion(id);
    const current = (await this.models.getActive()).find((m) => m.algorithm === candidate.algorithm);
    const verdict = force ? undefined : this.gate(candidate, current);
    if (verdict) {
      await this.models.update(id, { status: 'rejected', reason: verdict });
      this.logger.warn(`rejected ${candidate.algorithm} ${candidate.version}: ${verdict}`);
      return;
    }
    await this.activate(id);
  }

  /**
   * Compares on the same holdout: the candidate against the active version's configuration
   * re-fitted on the candidate's training split (baseline_ndcg_at_10, computed by the worker).
   */
  private gate(candidate: ModelVersion, current: ModelVersion | undefined): string | undefined {
    const now = candidate.metrics?.ndcg_at_10;
    const before = current ? candidate.metrics?.baseline_ndcg_at_10 : undefined;
    if (now === undefined || before === undefined) return undefined;
    const floor = before * (1 - this.config.training.promotionTolerance);
    if (now >= floor) return undefined;
    const drop = ((before - now) / before) * 100;
    return `NDCG@10 ${now.toFixed(4)} is ${drop.toFixed(1)}% below the active ${current?.version}'s configuration on the same holdout (${before.toFixed(4)}); tolerance is ${(this.config.training.promotionTolerance * 100).toFixed(1)}%`;
  }

  /** Loads and verifies the artifact, then makes the version active in memory and in the database. */
  async activate(id: number): Promise<LoadedModel> {
    const version = await this.getVersion(id);
    if (version.status === 'training' || version.status === 'failed') {
      throw new UnprocessableEntityException(`model ${id} is ${version.status} and cannot be activated`);
    }
    const loaded = await this.load(version);
    await this.models.activate(id, version.algorithm);
    this.active.set(loaded);
    this.logger.log(`activated ${version.algorithm} ${version.version}`);
    this.outbound.modelActivated({ model_id: id, algorithm: version.algorithm, version: version.version });
    return loaded;
  }

  /** Brings memory in line with the database: loads any active version this replica does not serve yet. */
  async syncFromDatabase(): Promise<void> {
    for (const version of await this.models.getActive()) {
      if (this.active.get(version.algorithm)?.id === version.id) continue;
      try {
        this.active.set(await this.load(version));
        this.logger.log(`loaded ${version.algorithm} ${version.version}`);
      } catch (error) {
        this.logger.error(`cannot load ${version.algorithm} ${version.version}: ${(error as Error).message}`);
      }
    }
  }

  private async load(version: ModelVersion): Promise<LoadedModel> {
    const chunks = await this.models.loadArtifactChunks(version.id);
    if (!chunks) throw new UnprocessableEntityException(`model ${version.id} has no stored artifact (archived?)`);
    try {
      return await loadModel(version, chunks, this.decoder, this.snapshots);
    } catch (error) {
      if (error instanceof CorruptArtifactError) throw new UnprocessableEntityException(error.message);
      throw error;
    }
  }

  private async getVersion(id: number): Promise<ModelVersion> {
    const version = await this.models.getById(id);
    if (!version) throw new NotFoundException(`model ${id} not found`);
    return version;
  }
}
