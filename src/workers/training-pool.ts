import { join } from 'node:path';
import { Piscina } from 'piscina';
import { TrainRequest, TrainResult } from './train-model.worker';

/**
 * The worker pool that all training runs on, so the event loop only moves typed arrays in and
 * out. One thread by default: on a two-core machine the other core keeps serving requests.
 */
export class TrainingPool extends Piscina<TrainRequest, TrainResult> {
  constructor(threads: number) {
    super({
      filename: join(__dirname, 'train-model.worker.js'),
      minThreads: 0,
      maxThreads: threads,
      // Training requests queue rather than fail; bounded so a stuck pool cannot grow without end.
      maxQueue: Math.max(16, threads * threads),
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: 8192 },
    });
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
    return this.run(request, { transferList, signal });
  }
}
