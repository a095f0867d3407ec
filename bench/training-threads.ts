import { getAlgorithm } from '../src/algorithms/registry';
import { setTrainingThreads, stopHelpers } from '../src/algorithms/row-split';
import { AlgorithmName, AlgorithmParams } from '../src/algorithms/types';
import { median } from './load';
import { trainingShape } from './options';
import { generateSynthetic } from './synthetic-data';
import { trainRequestOf } from './training-request';

/**
 * The speed-up of a fit split over TRAINING_THREADS: `algorithm.train` on the bench's synthetic
 * data, alternating thread counts round after round so that each count meets the same load on a
 * shared machine; reports the fastest and the median wall time per count, the CPU time of the
 * process (all its threads: what the split costs in all), and the load average. On a saturated
 * machine the wall times say little: Linux's autogroup scheduling gives a process about the same
 * share of the CPU whatever its thread count.
 *
 *   node dist/bench/training-threads.js <algorithm> <interactions> <rounds> <threads,…> ['{"param": value}']
 */
async function main(): Promise<void> {
  const [algorithmName = 'item_knn', interactions = '1000000', rounds = '3', counts = '1,2', params = '{}'] =
    process.argv.slice(2);
  const algorithm = getAlgorithm(algorithmName as AlgorithmName);
  const merged: AlgorithmParams = { ...algorithm.defaults, ...(JSON.parse(params) as AlgorithmParams) };
  const { data } = trainRequestOf(generateSynthetic(trainingShape(Number(interactions)), Date.now()), algorithm.name);
  const threadCounts = counts.split(',').map(Number);
  const times = new Map<number, number[]>(threadCounts.map((threads) => [threads, []]));
  const cpu = new Map<number, number[]>(threadCounts.map((threads) => [threads, []]));
  for (let round = 0; round < Number(rounds); round++) {
    for (const threads of threadCounts) {
      setTrainingThreads(threads);
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      algorithm.train(data, merged);
      times.get(threads)?.push((performance.now() - started) / 1000);
      const used = process.cpuUsage(cpuBefore);
      cpu.get(threads)?.push((used.user + used.system) / 1e6);
    }
  }
  await stopHelpers();
  const single = Math.min(...(times.get(threadCounts[0]) ?? []));
  for (const [threads, seconds] of times) {
    const sorted = [...seconds].sort((a, b) => a - b);
    const best = sorted[0];
    console.log(
      `${algorithm.name} ${interactions} interactions, ${threads} thread(s): best ${best.toFixed(2)} s, median ${sorted[sorted.length >> 1].toFixed(2)} s ` +
        `(${sorted.map((s) => s.toFixed(2)).join(', ')}); speed-up ${(single / best).toFixed(2)}x; ` +
        `CPU ${median(cpu.get(threads) ?? []).toFixed(2)} s (median)`,
    );
  }
  console.log(
    `params ${JSON.stringify(merged)}; load average ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

void main();
