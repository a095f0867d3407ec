import autocannon from 'autocannon';
import { AlgorithmName } from '../src/algorithms/types';
import { CONFIG_VARIABLES } from '../src/config/variables';
import { LoadResult } from './load';
import { RetrainOutcome, ServerProcess } from './server';

export type RecommendRequests = (
  algorithm: AlgorithmName,
  pool: string[],
  seed: number,
  path?: string,
) => autocannon.Request[];

/** A load against `url`; with `stopWhen` it lasts until that settles, otherwise the plan's duration. */
export type Measure = (
  url: string,
  label: string,
  requests: autocannon.Request[],
  overallRate?: number,
  stopWhen?: Promise<unknown>,
) => Promise<LoadResult>;

export interface BesideRun {
  algorithm: AlgorithmName;
  mode: 'saturated' | 'fixed rate';
  idle: LoadResult;
  training: LoadResult;
  p99Ratio: number;
  retrain: RetrainOutcome;
  /** From the trainer's version being active until the API process served it (its model sync). */
  syncSeconds: number | null;
}

export interface TrainerBeside {
  /** Which processes ran, with which SERVICE_ROLE: the build may not have roles yet. */
  layout: string;
  rolesSupported: boolean;
  modelSyncSeconds: number;
  runs: BesideRun[];
  /** Resident set of each process at the end. */
  apiRssMb: number;
  trainerRssMb: number;
}

export interface BesideOptions {
  databaseUrl: string;
  workDir: string;
  slug: string;
  algorithms: AlgorithmName[];
  /** The one-process saturated runs: the fixed rate is a share of their requests/s. */
  idle: { algorithm: AlgorithmName; load: LoadResult }[];
  pool: string[];
  fixedRateShare: number;
  measure: Measure;
  recommend: RecommendRequests;
  log: (line: string) => void;
}

/** How often the API process looks for versions activated by the trainer: short, so the window ends soon after. */
const MODEL_SYNC_SECONDS = 2;

/**
 * Serving on an API process while a trainer process beside it (same database) retrains: the
 * deployment the issue asks for, where serving never shares a process with training. The load
 * runs from the retrain request until the API process serves the new version, so loading the new
 * model is inside the window. With a build that has no SERVICE_ROLE both processes run as `all`
 * (the second only trains because it is asked to), and the layout says so.
 */
export async function measureBesideTrainer(options: BesideOptions): Promise<TrainerBeside> {
  const { databaseUrl, workDir, slug, pool, measure, recommend, log } = options;
  const rolesSupported = 'SERVICE_ROLE' in CONFIG_VARIABLES;
  const layout = rolesSupported
    ? 'an API process (SERVICE_ROLE=api) serves while a trainer process (SERVICE_ROLE=trainer) on the same database retrains'
    : 'two processes on the same database, both SERVICE_ROLE=all (this build has no SERVICE_ROLE): one serves, the other retrains';
  const api = await ServerProcess.start({
    label: `${slug}-api`,
    databaseUrl,
    workDir,
    env: { MODEL_SYNC_SECONDS: String(MODEL_SYNC_SECONDS), ...(rolesSupported ? { SERVICE_ROLE: 'api' } : {}) },
  });
  let trainer: ServerProcess | undefined;
  try {
    trainer = await ServerProcess.start({
      label: `${slug}-trainer`,
      databaseUrl,
      workDir,
      env: rolesSupported ? { SERVICE_ROLE: 'trainer' } : {},
    });
    const trainerProcess = trainer;
    const runs: BesideRun[] = [];
    for (const algorithm of options.algorithms) {
      /** Starts a retrain on the trainer; `served` settles once the API process serves its result. */
      const retrainBeside = async () => {
        const { settled } = await trainerProcess.startRetrain(algorithm);
        let syncSeconds: number | null = null;
        const served = settled.then(async (outcome) => {
          if (outcome.status !== 'active' || !outcome.version) return;
          const active = performance.now();
          await api.waitForServedVersion(algorithm, outcome.version, pool[0]);
          syncSeconds = (performance.now() - active) / 1000;
        });
        return { settled, served, syncSeconds: () => syncSeconds };
      };
      const idleSaturated = await measure(
        api.baseUrl,
        `${algorithm} on the API process`,
        recommend(algorithm, pool, 1),
      );
      const saturated = await retrainBeside();
      const duringSaturated = await measure(
        api.baseUrl,
        `${algorithm} on the API process while the trainer retrains`,
        recommend(algorithm, pool, 2),
        undefined,
        saturated.served,
      );
      await saturated.served;
      runs.push({
        algorithm,
        mode: 'saturated',
        idle: idleSaturated,
        training: duringSaturated,
        p99Ratio: duringSaturated.latencyMs.p99 / idleSaturated.latencyMs.p99,
        retrain: await saturated.settled,
        syncSeconds: saturated.syncSeconds(),
      });

      const oneProcess = options.idle.find((r) => r.algorithm === algorithm)?.load ?? idleSaturated;
      const rate = Math.max(1, Math.round(oneProcess.requestsPerSecond * options.fixedRateShare));
      const idleFixed = await measure(
        api.baseUrl,
        `${algorithm} at ${rate} req/s on the API process`,
        recommend(algorithm, pool, 3),
        rate,
      );
      const fixed = await retrainBeside();
      const duringFixed = await measure(
        api.baseUrl,
        `${algorithm} at ${rate} req/s on the API process while the trainer retrains`,
        recommend(algorithm, pool, 4),
        rate,
        fixed.served,
      );
      await fixed.served;
      runs.push({
        algorithm,
        mode: 'fixed rate',
        idle: idleFixed,
        training: duringFixed,
        p99Ratio: duringFixed.latencyMs.p99 / idleFixed.latencyMs.p99,
        retrain: await fixed.settled,
        syncSeconds: fixed.syncSeconds(),
      });
      for (const run of runs.slice(-2)) {
        log(
          `  ${slug} ${algorithm} beside a trainer (${run.mode}${run.idle.overallRate ? ` ${run.idle.overallRate} req/s` : ''}): ` +
            `p99 ${run.training.latencyMs.p99.toFixed(1)} ms vs idle ${run.idle.latencyMs.p99.toFixed(1)} ms = ×${run.p99Ratio.toFixed(2)} ` +
            `over ${run.training.seconds.toFixed(1)} s (retrain ${run.retrain.status} in ${run.retrain.wallSeconds.toFixed(1)} s, served ${run.syncSeconds?.toFixed(1) ?? '?'} s later)`,
        );
      }
    }
    return {
      layout,
      rolesSupported,
      modelSyncSeconds: MODEL_SYNC_SECONDS,
      runs,
      apiRssMb: api.memory().rssKb / 1024,
      trainerRssMb: trainer.memory().rssKb / 1024,
    };
  } finally {
    await api.stop();
    await trainer?.stop();
  }
}
