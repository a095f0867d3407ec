import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ImpressionsRepository } from '../repositories/impressions.repository';

const PRUNE_INTERVAL_MS = 3600_000;
const DAY_MS = 86_400_000;

/**
 * Deletes impressions older than IMPRESSION_RETENTION_DAYS, hourly. Every replica may run it:
 * deleting what another replica already deleted is a no-op, and the repository deletes in small
 * batches, so recommendation writes never wait long behind it.
 */
@Injectable()
export class ImpressionRetention implements OnApplicationShutdown {
  private readonly logger = new Logger(ImpressionRetention.name);
  private readonly timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly impressions: ImpressionsRepository,
  ) {
    if (config.impressionRetentionDays > 0) {
      this.timer = setInterval(() => this.pruneInBackground(), PRUNE_INTERVAL_MS).unref();
    }
  }

  /** Deletes what is past retention now; returns how many impressions went. One run at a time. */
  prune(now = Date.now()): Promise<number> {
    if (this.config.impressionRetentionDays === 0) return Promise.resolve(0);
    this.running ??= this.impressions
      .pruneCreatedBefore(now - this.config.impressionRetentionDays * DAY_MS)
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private pruneInBackground(): void {
    this.prune().then(
      (deleted) => deleted > 0 && this.logger.log(`deleted ${deleted} impressions past retention`),
      (error: Error) => this.logger.warn(`impression pruning failed, will retry: ${error.message}`),
    );
  }
}
