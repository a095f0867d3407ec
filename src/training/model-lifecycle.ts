import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DemoSeeder } from '../demo/demo-seeder';
import { ActiveModels } from '../model-registry/active-models';
import { ModelActivator } from '../model-registry/model-activator';
import { InteractionsRepository } from '../repositories/interactions.repository';
import { TrainingService } from './training.service';

/**
 * Start-up and steady state of the models: mark runs whose trainer is gone as failed, seed the demo
 * catalogue into an empty database, load the active versions, train a first model when there is
 * none, and keep picking up versions activated elsewhere.
 */
@Injectable()
export class ModelLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ModelLifecycle.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly interactions: InteractionsRepository,
    private readonly activator: ModelActivator,
    private readonly active: ActiveModels,
    private readonly training: TrainingService,
    private readonly demo: DemoSeeder,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.failOrphanedRuns();
    await this.demo.seedIfEmpty();
    await this.activator.syncFromDatabase();
    if (this.active.all().length === 0 && this.training.trains) await this.trainFirstModel();
    this.timer = setInterval(
      () => void this.syncFromDatabase().catch(() => undefined),
      this.config.training.syncSeconds * 1000,
    );
    this.timer.unref();
  }

  /** Every replica sweeps: a crashed trainer's runs end `failed` once its lease has expired. */
  private async syncFromDatabase(): Promise<void> {
    await this.failOrphanedRuns().catch((error: Error) =>
      this.logger.warn(`could not sweep orphaned training runs: ${error.message}`),
    );
    await this.activator.syncFromDatabase();
  }

  /** Only runs whose trainer is gone: a replica starting next to a live trainer leaves its run alone. */
  private async failOrphanedRuns(): Promise<void> {
    const orphaned = await this.training.failOrphanedRuns();
    if (orphaned > 0) this.logger.warn(`marked ${orphaned} training run(s) whose trainer is gone as failed`);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Starts (does not await) the first run, so the service answers while it trains. */
  private async trainFirstModel(): Promise<void> {
    const samples = await this.interactions.count();
    if (samples < this.config.minTrainingSamples) {
      this.logger.log(
        `no model yet and ${samples} feedback events (MIN_TRAINING_SAMPLES ${this.config.minTrainingSamples}); serving popularity from the database until there is enough`,
      );
      return;
    }
    try {
      const run = await this.training.start({});
      this.logger.log(`no model yet: training model versions ${run.versionIds.join(', ')} in the background`);
      void run.done.catch((error: Error) => this.logger.error(`first training run failed: ${error.message}`));
    } catch (error) {
      this.logger.warn(`could not start the first training run: ${(error as Error).message}`);
    }
  }
}
