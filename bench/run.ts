import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IngestionSection, runIngestionSection } from './ingestion';
import { currentLoadAverage, describeMachine } from './machine';
import { MemorySection, runMemorySection } from './memory';
import { REPO_ROOT, loadMovieLensDataset } from './movielens-data';
import { USAGE, UsageError, parseArguments, wantsHelp } from './options';
import { BenchResults, writeReport } from './report';
import { DatasetServing, runServingOn } from './serving';
import { SoakSection, runSoak } from './soak';
import { generateSynthetic } from './synthetic-data';
import { checkTargets } from './targets';
import { TrainingSection, runTrainingSection } from './training';

const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ?? join(REPO_ROOT, 'bench', 'results');

/**
 * `npm run bench [-- --quick]`: serving (MovieLens and a synthetic catalogue) against a bare
 * node:http server, serving under training, a soak from one caller, memory and load time at a
 * large scale, training cost per scale and feedback ingestion, against the production build with
 * the server in its own process. Writes bench/results/<timestamp>.{md,json} and latest.md.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    console.log(USAGE);
    return;
  }
  const plan = parseArguments(argv);
  const started = new Date();
  const startedMs = performance.now();
  const machine = describeMachine();
  const workDir = mkdtempSync(join(tmpdir(), 'ml-service-bench-'));
  const log = (line: string) =>
    console.log(`[${((performance.now() - startedMs) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  log(`${plan.commandLine}: ${plan.mode} run, sections ${plan.sections.join(', ')}; work dir ${workDir}`);

  const errors: string[] = [];
  const serving: DatasetServing[] = [];
  const servingSkipped: string[] = [];
  let training: TrainingSection | undefined;
  let ingestion: IngestionSection | undefined;
  let soak: SoakSection | undefined;
  let memory: MemorySection | undefined;
  const attempt = async (what: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      const message = `${what}: ${(error as Error).stack ?? String(error)}`;
      errors.push(message);
      log(`ERROR ${message}`);
    }
  };

  if (plan.sections.includes('serving') && plan.serving.datasets.includes('movielens')) {
    await attempt('serving on MovieLens', async () => {
      log('serving: MovieLens');
      const { dataset, skipped } = loadMovieLensDataset();
      if (!dataset) {
        servingSkipped.push(skipped ?? 'MovieLens skipped');
        log(`  ${skipped}`);
        return;
      }
      // A MovieLens retrain takes about two seconds: too short a window to measure serving under training.
      serving.push(
        await runServingOn(
          dataset,
          plan.serving.movieLensAlgorithms,
          { ...plan.serving, underTrainingAlgorithms: [] },
          workDir,
          'movielens',
          log,
        ),
      );
    });
  }
  if (plan.sections.includes('serving') && plan.serving.datasets.includes('synthetic')) {
    await attempt('serving on the synthetic catalogue', async () => {
      log('serving: synthetic catalogue');
      const generated = performance.now();
      const dataset = generateSynthetic(plan.serving.synthetic, Date.now());
      log(`  generated ${dataset.name} in ${((performance.now() - generated) / 1000).toFixed(1)} s`);
      serving.push(await runServingOn(dataset, plan.serving.algorithms, plan.serving, workDir, 'synthetic', log));
    });
  }
  if (plan.sections.includes('training')) {
    await attempt('training', async () => {
      log('training: worker function per algorithm per scale');
      training = await runTrainingSection(plan.training, log);
    });
  }
  if (plan.sections.includes('ingestion')) {
    await attempt('ingestion', async () => {
      log('ingestion: SQLite and MariaDB');
      ingestion = await runIngestionSection(plan.ingestion, workDir, log);
      machine.mariadb = ingestion.mariadbVersion;
    });
  }

  if (plan.sections.includes('soak')) {
    await attempt('soak', async () => {
      log(`soak: one caller, ${plan.soak.connections} connections, ${plan.soak.minutes} min`);
      soak = await runSoak(plan.soak, workDir, log);
    });
  }
  if (plan.sections.includes('memory')) {
    await attempt('memory', async () => {
      log(
        `memory: ${plan.memory.algorithms.join(', ')} at ${plan.memory.interactions.toLocaleString('en')} interactions`,
      );
      memory = await runMemorySection(plan.memory, workDir, log);
    });
  }

  machine.loadAverageAtEnd = currentLoadAverage();
  const results: BenchResults = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    totalSeconds: (performance.now() - startedMs) / 1000,
    commandLine: plan.commandLine,
    mode: plan.mode,
    machine,
    plan,
    serving,
    servingSkipped,
    training,
    ingestion,
    soak,
    memory,
    targets: checkTargets({ serving, training, ingestion, soak, memory }, plan.sections),
    errors,
  };
  const { markdown, files } = writeReport(results, RESULTS_DIR);
  console.log(`\n${markdown}`);
  console.log(`Written: ${files.join(', ')}`);
  // A run that went wrong keeps everything for a look; otherwise only the CPU profiles and logs stay.
  const keptProfiles = serving.some((s) => s.profiles.length > 0) || (ingestion?.profiles.length ?? 0) > 0;
  if (errors.length > 0) {
    console.log(`Work dir kept: ${workDir}`);
  } else if (keptProfiles) {
    for (const name of readdirSync(workDir))
      if (/\.sqlite(-wal|-shm)?$/.test(name)) rmSync(join(workDir, name), { force: true });
    console.log(`CPU profiles and server logs kept in ${workDir}`);
  } else {
    rmSync(workDir, { recursive: true, force: true });
  }
  process.exitCode = errors.length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
