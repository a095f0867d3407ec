import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ImpressionsRepository, ImpressionWrite } from '../repositories/impressions.repository';

export type ImpressionRecord = Omit<ImpressionWrite, 'createdAt'>;

const FLUSH_INTERVAL_MS = 1000;
const BATCH_SIZE = 500;
/** Roughly 50 MB of pending impressions at most while the database is unreachable. */
const MAX_PENDING = 50_000;
const SHUTDOWN_FLUSH_MS = 5000;

/**
 * Records what each experiment showed to whom without making a recommendation request wait for
 * a database write: impressions are buffered and written in batches off the request path. The
 * buffer is bounded; when the database stays out long enough to fill it, the oldest impressions
 * are dropped and counted, so memory stays flat and the loss is visible.
 */
@Injectable()
export class ImpressionRecorder implements OnApplicationShutdown {
  /** Impressions lost to a full buffer or a failed final flush; a metrics module exposes it. */
  dropped = 0;
  private readonly logger = new Logger(ImpressionRecorder.name);
  private pending: ImpressionWrite[] = [];
  /** The batch being written; counted as lost if shutdown gives up on it. */
  private inFlight = 0;
  /** Flushes run one after another, so batches are written in order and never twice. */
  private queue: Promise<void> = Promise.resolve();
  private readonly timer = setInterval(() => this.flushInBackground(), FLUSH_INTERVAL_MS).unref();

  constructor(private readonly impressions: ImpressionsRepository) {}

  /** Never throws and never waits: the time of the call is the impression's time. */
  record(impression: ImpressionRecord): void {
    this.pending.push({ ...impression, itemIds: [...impression.itemIds], createdAt: Date.now() });
    this.enforceBound();
    if (this.pending.length >= BATCH_SIZE) setImmediate(() => this.flushInBackground());
  }

  /** Writes everything recorded before the call; rejects (keeping the rest buffered) if a write fails. */
  flush(): Promise<void> {
    const run = this.queue.then(() => this.drain());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Bounded, so a database that stopped answering cannot hold the process past its grace period. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    let deadline: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(new Error(`no answer within ${SHUTDOWN_FLUSH_MS} ms`)), SHUTDOWN_FLUSH_MS);
    });
    try {
      await Promise.race([this.flush(), timeout]);
    } catch (error) {
      const lost = this.pending.length + this.inFlight;
      this.dropped += lost;
      this.logger.error(`lost ${lost} impressions at shutdown: ${(error as Error).message}`);
    } finally {
      clearTimeout(deadline);
    }
  }

  private flushInBackground(): void {
    if (this.inFlight > 0 || this.pending.length === 0) return;
    this.flush().catch((error: Error) => this.logger.warn(`impression write failed, will retry: ${error.message}`));
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, BATCH_SIZE);
      this.inFlight = batch.length;
      try {
        await this.impressions.insert(batch);
      } catch (error) {
        // Back at the front, in order, for the next attempt; the bound still applies.
        this.pending = batch.concat(this.pending);
        this.enforceBound();
        throw error;
      } finally {
        this.inFlight = 0;
      }
    }
  }

  private enforceBound(): void {
    const excess = this.pending.length - MAX_PENDING;
    if (excess <= 0) return;
    this.pending.splice(0, excess);
    this.dropped += excess;
  }
}
