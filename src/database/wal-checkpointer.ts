import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { APP_CONFIG, AppConfig } from '../config/config';
import { WalCheckpointWorkerData } from './wal-checkpoint.worker';

/** Often enough that the WAL stays well below the connection's backstop (see createKnex). */
const CHECKPOINT_INTERVAL_MS = 200;

/**
 * SQLite only: checkpoints the WAL on a worker thread. SQLite's default, a checkpoint by the
 * committing connection every 1,000 pages, ran on the event loop at the end of a write and took
 * about half of a feedback batch's time (and stalled every request meanwhile).
 */
@Injectable()
export class WalCheckpointer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WalCheckpointer.name);
  private worker?: Worker;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    const database = this.config.database;
    if (database.client !== 'sqlite' || database.filename === ':memory:') return;
    const workerData: WalCheckpointWorkerData = { filename: database.filename, intervalMs: CHECKPOINT_INTERVAL_MS };
    this.worker = new Worker(join(__dirname, 'wal-checkpoint.worker.js'), { workerData });
    // Without the worker, the connection's own backstop checkpoints still keep the WAL bounded.
    this.worker.on('error', (error) => this.logger.warn(`WAL checkpoint worker failed: ${error.message}`));
    this.worker.once('exit', () => (this.worker = undefined));
    this.worker.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = once(worker, 'exit');
    worker.postMessage('stop');
    await exited;
  }
}
