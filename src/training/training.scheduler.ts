import { ConflictException, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { APP_CONFIG, AppConfig } from '../config/config';
import { InteractionsRepository } from '../repositories/interactions.repository';
import { ModelsRepository } from '../repositories/models.repository';
import { TrainingService } from './training.service';

const STALENESS_CHECK_MS = 10 * 60 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/**
 * When to retrain: nightly by RETRAIN_CRON, and early when the models are older than
 * RETRAIN_THRESHOLD_DAYS or RETRAIN_MIN_NEW_FEEDBACK events arrived since. A tick only starts a
 * run in the worker pool and returns; the lease makes sure one replica trains.
 */
@Injectable()
export class TrainingScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(TrainingScheduler.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly training: TrainingService,
    private readonly models: ModelsRepository,
    private readonly interactions: InteractionsRepository,
  ) {}

  onApplicationBootstrap(): void {
    // An api replica never trains: its schedule is the trainer's.
    if (!this.training.trains) return;
    const nightly = CronJob.from({
      cronTime: this.config.training.cron,
      onTick: () => this.handleNightlyRetrain(),
      start: true,
    });
    this.scheduler.addCronJob('nightly-retrain', nightly);
    const check = setInterval(() => this.handleStalenessCheck(), STALENESS_CHECK_MS);
    check.unref();
    this.scheduler.addInterval('staleness-check', check);
  }

  handleNightlyRetrain(): void {
    void this.startRun('nightly schedule');
  }

  handleStalenessCheck(): void {
    void this.whyStale()
      .then((reason) => (reason ? this.startRun(reason) : undefined))
      .catch((error: Error) => this.logger.warn(`staleness check failed: ${error.message}`));
  }

  /** Why the models need retraining now, or undefined when they do not. */
  async whyStale(): Promise<string | undefined> {
    const active = await this.models.getActive();
    if (active.length === 0) return undefined;
    const oldest = Math.min(...active.map((m) => m.finishedAt ?? m.createdAt));
    const ageDays = (Date.now() - oldest) / DAY_MS;
    if (ageDays > this.config.retrainThresholdDays) return `models are ${ageDays.toFixed(1)} days old`;
    const seen = Math.min(...active.map((m) => m.lastInteractionId ?? 0));
    const fresh = (await this.interactions.getMaxId()) - seen;
    if (fresh >= this.config.training.minNewFeedback) return `${fresh} new feedback events since the last training`;
    return undefined;
  }

  private async startRun(reason: string): Promise<void> {
    try {
      const run = await this.training.start({});
      this.logger.log(`retraining (${reason}): model versions ${run.versionIds.join(', ')}`);
      run.done.catch((error: Error) => this.logger.error(`scheduled training failed: ${error.message}`));
    } catch (error) {
      if (error instanceof ConflictException)
        this.logger.debug(`skipped scheduled retrain (${reason}): ${error.message}`);
      else this.logger.error(`could not start scheduled retrain (${reason}): ${(error as Error).message}`);
    }
  }
}
