import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DemoSeeder } from '../demo/demo-seeder';
import { ActiveModels } from '../model-registry/active-models';
import { ModelActivator } from '../model-registry/model-activator';
import { InteractionsRepository } from '../repositories/interactions.repository';
import { ModelsRepository } from '../repositories/models.repository';
import { TrainingService } from './training.service';

/**
 * Start-up and steady state of the models: mark runs a crash interrupted as failed, seed the demo
 * catalogue into an empty database, load the active versions, train a first model when there is
 * none, and keep picking up versions activated elsewhere.
 */
@Injectable()
export class ModelLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ModelLifecycle.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly models: ModelsRepository,
    private readonly interactions: InteractionsRepository,
    private readonly activator: ModelActivator,
    private readonly active: ActiveModels,
    private readonly training: TrainingService,
    private readonly demo: DemoSeeder,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const interrupted = await this.models.failInterrupted();
    if (interrupted > 0) this.logger.warn(`marked ${interrupted} interrupted training run(s) as failed`);
    await this.demo.seedIfEmpty();
    await this.activator.syncFromDatabase();
    if (this.active.all().length === 0) await this.trainFirstModel();
    this.timer = setInterval(() => void this.activator.syncFromDatabase().catch(() => undefined), this.config.training.syncSeconds * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Starts (does not await) the first run, so the service answers while it trains. */
  private async trainFirstModel(): Promise<void> {
    const samples = await this.interactions.count();
    if (samples < this.config.minTrainingSamples) {
      this.logger.log(`no model yet and ${samples} feedback events (MIN_TRAINING_SAMPLES ${this.config.minTrainingSamples}); serving popularity from the database until there is enough`);
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
