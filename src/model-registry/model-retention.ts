import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlgorithmName } from '../algorithms/types';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ModelsRepository } from '../repositories/models.repository';

/**
 * Keeps the artifacts of the newest MODEL_RETENTION versions of each algorithm (and always the
 * active one); older versions are archived: their bytes go, their metadata and metrics stay.
 */
@Injectable()
export class ModelRetention {
  private readonly logger = new Logger(ModelRetention.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly models: ModelsRepository,
  ) {}

  async archiveOld(algorithms: AlgorithmName[]): Promise<void> {
    for (const algorithm of new Set(algorithms)) {
      const { models } = await this.models.list({ algorithm, limit: 10_000, offset: 0 });
      const withArtifacts = models.filter(
        (m) => m.status !== 'archived' && m.status !== 'training' && m.checksum !== null,
      );
      for (const old of withArtifacts.slice(this.config.training.retention)) {
        if (old.status === 'active') continue;
        await this.models.deleteArtifact(old.id);
        await this.models.update(old.id, { status: 'archived' });
        this.logger.log(`archived ${algorithm} ${old.version} (its metadata stays)`);
      }
    }
  }
}
