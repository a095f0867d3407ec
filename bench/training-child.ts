import { getAlgorithm } from '../src/algorithms/registry';
import { AlgorithmName } from '../src/algorithms/types';
import { trainModel } from '../src/training/train-model.worker';
import { trainingShape } from './options';
import { generateSynthetic } from './synthetic-data';
import { trainRequestOf } from './training-request';

/** What the parent asks for: one algorithm at one scale, in a fresh process. */
export interface TrainingChildSpec {
  algorithm: AlgorithmName;
  interactions: number;
  /** TRAINING_THREADS for the fits; 1 when absent. */
  threads?: number;
}

export interface TrainingChildResult {
  algorithm: AlgorithmName;
  interactions: number;
  users: number;
  items: number;
  /** The worker's whole job: holdout evaluation, the final fit, history/exclusion matrices, encoding. */
  totalSeconds: number;
  /** algorithm.train alone on all the data (measured after the peak memory was read). */
  fitSeconds: number;
  /** Process high-water mark (getrusage maxrss) at the end of the worker call. */
  peakRssMb: number;
  /** Resident set once the input data was built and garbage collected: what training starts from. */
  baselineRssMb: number;
  /** The high-water mark before training; if it equals peakRssMb, training never exceeded data generation. */
  peakBeforeTrainingMb: number;
  artifactMb: number;
  ndcgAt10: number;
  error: string | null;
}

/**
 * Runs the training worker's default export directly, in this process, on synthetic data of the
 * requested scale: the same code the piscina worker runs, without the pool around it. A fresh
 * process per measurement keeps peak memory attributable to one algorithm at one scale.
 */
function main(): void {
  const spec = JSON.parse(process.argv[2] ?? '{}') as TrainingChildSpec;
  const shape = trainingShape(spec.interactions);
  const request = { ...trainRequestOf(generateSynthetic(shape, Date.now()), spec.algorithm), threads: spec.threads };
  collectGarbage();
  const baseline = process.memoryUsage().rss;
  const peakBefore = process.resourceUsage().maxRSS;
  const base = {
    algorithm: spec.algorithm,
    interactions: spec.interactions,
    users: shape.users,
    items: shape.items,
    baselineRssMb: baseline / 2 ** 20,
    peakBeforeTrainingMb: peakBefore / 1024,
  };
  let result: TrainingChildResult;
  try {
    const started = performance.now();
    const trained = trainModel(request);
    const totalSeconds = (performance.now() - started) / 1000;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    collectGarbage();
    const fitStarted = performance.now();
    const algorithm = getAlgorithm(spec.algorithm);
    algorithm.train(request.data, { ...algorithm.defaults }); // still at spec.threads, set by trainModel
    result = {
      ...base,
      totalSeconds,
      fitSeconds: (performance.now() - fitStarted) / 1000,
      peakRssMb,
      artifactMb: trained.bytes.byteLength / 2 ** 20,
      ndcgAt10: trained.metrics.ndcg_at_10,
      error: null,
    };
  } catch (error) {
    result = {
      ...base,
      totalSeconds: NaN,
      fitSeconds: NaN,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      artifactMb: 0,
      ndcgAt10: NaN,
      error: (error as Error).message,
    };
  }
  // Run by hand (`node dist/bench/training-child.js '{"algorithm":"item_knn","interactions":1000000,"threads":2}'`), it prints.
  if (process.send) process.send(result);
  else console.log(JSON.stringify(result));
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}

main();
