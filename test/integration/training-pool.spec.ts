import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { decodeBundle, sha256 } from '../../src/algorithms/artifact-codec';
import { TrainingPool } from '../../src/training/training-pool';
import { syntheticTrainingData } from '../support/synthetic';

/** ALS long enough (50 iterations on 60k interactions) that an abort always lands mid-run. */
function longAlsRun() {
  return {
    algorithm: 'matrix_factorization' as const,
    params: { factors: 64, iterations: 50 },
    data: syntheticTrainingData(5_000, 2_000, 60_000),
    exclusions: { user: new Int32Array(0), item: new Int32Array(0) },
    holdoutFraction: 0.2,
    holdoutSplit: 'random' as const,
    maxEvaluatedUsers: 5000,
    header: {},
  };
}

describe(TrainingPool.name, { timeout: 600_000 }, () => {
  it('should keep the event loop responsive while a model trains for seconds', async () => {
    const pool = new TrainingPool();
    const data = syntheticTrainingData(5_000, 2_000, 60_000);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    const result = await pool.train({
      algorithm: 'matrix_factorization',
      params: { factors: 64, iterations: 10 },
      data,
      exclusions: { user: new Int32Array(0), item: new Int32Array(0) },
      holdoutFraction: 0.2,
      holdoutSplit: 'random' as const,
      maxEvaluatedUsers: 5000,
      header: { trainedAt: Date.now() },
    });
    const elapsedMs = performance.now() - started;
    delay.disable();
    await pool.destroy();

    // Only meaningful if training took long enough that main-thread work would have blocked.
    assert.ok(elapsedMs > 1000, `training took only ${elapsedMs.toFixed(0)} ms; make the data larger`);
    const worstLagMs = delay.max / 1e6;
    assert.ok(
      worstLagMs < 200,
      `event loop stalled for ${worstLagMs.toFixed(0)} ms during ${elapsedMs.toFixed(0)} ms of training`,
    );
    assert.equal(sha256(result.bytes), result.checksum);
    assert.equal(decodeBundle(result.bytes).header.algorithm, 'matrix_factorization');
    assert.ok(result.metrics.ndcg_at_10 > 0);
  });

  it('should reject, not hang, when a training run is aborted', async () => {
    const pool = new TrainingPool();
    const request = longAlsRun();
    await assert.rejects(pool.train(request, AbortSignal.timeout(300)), /abort/i);
    await pool.destroy();
  });

  it('should store the same bundle, byte for byte, when a run is split over TRAINING_THREADS', async () => {
    const pool = new TrainingPool();
    // The arrays move to the worker, so each run gets its own (deterministic) copy.
    const run = (algorithm: 'matrix_factorization' | 'item_knn', threads: number) =>
      pool.train({
        algorithm,
        params: algorithm === 'matrix_factorization' ? { factors: 32, iterations: 5 } : {},
        data: syntheticTrainingData(3_000, 1_000, 40_000),
        exclusions: { user: new Int32Array(0), item: new Int32Array(0) },
        holdoutFraction: 0.2,
        holdoutSplit: 'random' as const,
        maxEvaluatedUsers: 5000,
        header: { trainedAt: 0 },
        threads,
      });
    try {
      for (const algorithm of ['matrix_factorization', 'item_knn'] as const) {
        const single = await run(algorithm, 1);
        const split = await run(algorithm, 3);
        assert.equal(split.checksum, single.checksum, `${algorithm}: the split run stored a different bundle`);
        assert.deepEqual(split.metrics, single.metrics);
      }
    } finally {
      await pool.destroy();
    }
  });

  it('should reject, not hang, when a split run is aborted', async () => {
    const pool = new TrainingPool();
    const request = { ...longAlsRun(), threads: 2 };
    await assert.rejects(pool.train(request, AbortSignal.timeout(1_000)), /abort/i);
    await pool.destroy();
  });
});
