import { join } from 'node:path';
import { Piscina } from 'piscina';
import { DataShape } from '../algorithms/params';
import { SnapshotRequest } from './build-snapshot.worker';
import { TrainRequest, TrainResult } from './train-model.worker';
import { TrainingSnapshot } from './training-data.builder';

const TRAIN_MODEL = join(__dirname, 'train-model.worker.js');
const BUILD_SNAPSHOT = join(__dirname, 'build-snapshot.worker.js');

/**
 * The worker thread that all training runs on — reading the snapshot as well as fitting — so the
 * event loop only moves typed arrays in and out. One thread: runs are one at a time, and a fit
 * spreads over TRAINING_THREADS by spawning helpers from this thread (algorithms/row-split.ts).
 */
export class TrainingPool {
  private readonly piscina: Piscina;

  constructor() {
    this.piscina = new Piscina({
      filename: TRAIN_MODEL,
      minThreads: 0,
      maxThreads: 1,
      // Training requests queue rather than fail; bounded so a stuck pool cannot grow without end.
      maxQueue: 16,
      // Its helper threads end with it, so an idle trainer holds no training threads.
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: 8192 },
    });
  }

  /** Reads and encodes the catalogue and the interaction log over the worker's own connection. */
  buildSnapshot(request: SnapshotRequest, signal?: AbortSignal): Promise<TrainingSnapshot> {
    return this.piscina.run(request, { filename: BUILD_SNAPSHOT, signal });
  }

  /** Counts the users, items and events a snapshot of `window` would hold, over the worker's own connection. */
  countTrainingData(request: Pick<SnapshotRequest, 'database' | 'window'>): Promise<DataShape> {
    return this.piscina.run(request, { filename: BUILD_SNAPSHOT, name: 'countTrainingData' });
  }

  /** Moves the large arrays to the worker instead of copying them. */
  train(request: TrainRequest, signal?: AbortSignal): Promise<TrainResult> {
    const { data, exclusions } = request;
    const transferList = [
      data.events.user.buffer,
      data.events.item.buffer,
      data.events.weight.buffer,
      data.events.time.buffer,
      exclusions.user.buffer,
      exclusions.item.buffer,
    ] as ArrayBuffer[];
    return this.piscina.run(request, { transferList, signal });
  }

  destroy(): Promise<void> {
    return this.piscina.destroy();
  }
}
