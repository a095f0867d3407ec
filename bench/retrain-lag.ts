import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createApp } from '../src/app.factory';
import { AlgorithmName } from '../src/algorithms/types';
import { loadConfig } from '../src/config/config';
import { ModelActivator } from '../src/model-registry/model-activator';
import { TrainingService } from '../src/training/training.service';
import { trainingShape } from './options';
import { loadIntoSqlite, migrateSqlite } from './sqlite-loader';
import { generateSynthetic } from './synthetic-data';

/**
 * The main thread's stalls during one retrain, without HTTP load or a second process: boots the
 * service in this process on a synthetic SQLite database, retrains one algorithm, and prints
 * every event-loop gap over 50 ms (with major GCs) on a timeline, then times activating it again.
 * Lighter than `npm run bench` to iterate on; take the lock all the same (it uses both cores):
 *   flock /tmp/bench.lock node dist/bench/retrain-lag.js [--interactions=2000000] [--algorithm=item_knn]
 */
async function main(): Promise<void> {
  const flags = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
  const interactions = Number(flags.get('interactions') ?? 2_000_000);
  const algorithm = (flags.get('algorithm') ?? 'item_knn') as AlgorithmName;
  const dir = mkdtempSync(join(tmpdir(), 'retrain-lag-'));
  try {
    const file = join(dir, 'lag.sqlite');
    await migrateSqlite(file);
    const shape = trainingShape(interactions);
    loadIntoSqlite(file, generateSynthetic(shape, Date.now()));
    const config = loadConfig({
      DATABASE_URL: `sqlite:${file}`,
      ENVIRONMENT: 'production',
      AUTH_REQUIRED: 'false',
      LOG_LEVEL: 'warn',
      SEED_DEMO_DATA: 'false',
      ENABLED_ALGORITHMS: 'popularity',
      TRAINING_THREADS: '1',
    });
    const app = await createApp(config);
    await app.init();
    const training = app.get(TrainingService);
    await training.running?.done;

    const stalls: string[] = [];
    const started = performance.now();
    const at = () => ((performance.now() - started) / 1000).toFixed(2);
    const gcs = new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        if (entry.duration > 50) stalls.push(`${at()} s  gc ${entry.duration.toFixed(0)} ms`);
    });
    gcs.observe({ entryTypes: ['gc'] });
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      if (now - last > 60) stalls.push(`${at()} s  event loop blocked ${(now - last - 10).toFixed(0)} ms`);
      last = now;
    }, 10);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const run = await training.start({ algorithm, force: true });
    const [version] = await run.done;
    delay.disable();
    clearInterval(ticker);
    gcs.disconnect();

    console.log(
      `${algorithm} at ${interactions} interactions (${shape.users} users × ${shape.items} items): ${version.status} in ${at()} s (service ${version.durationMs} ms)`,
    );
    console.log(
      `event loop delay: max ${(delay.max / 1e6).toFixed(0)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms, mean ${(delay.mean / 1e6).toFixed(1)} ms`,
    );
    for (const stall of stalls) console.log(`  ${stall}`);

    const reload = monitorEventLoopDelay({ resolution: 10 });
    reload.enable();
    const mark = performance.now();
    await app.get(ModelActivator).activate(version.id);
    reload.disable();
    console.log(
      `activating it again (read, verify, decode, index): ${(performance.now() - mark).toFixed(0)} ms, worst event-loop delay ${(reload.max / 1e6).toFixed(0)} ms`,
    );
    await app.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
