import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AlgorithmName } from '../src/algorithms/types';
import { BareServer } from './bare-reference';
import { ProfileSummary, mainThreadProfile, summariseProfile } from './cpu-profile';
import { BenchDataset, knownUserIds } from './dataset';
import { LoadResult, clientAddress, getRequest, postRequests, runLoad } from './load';
import { ServingPlan } from './options';
import { Prng } from './prng';
import { RetrainOutcome, ServerProcess } from './server';
import { loadIntoSqlite, migrateSqlite } from './sqlite-loader';
import { Measure, RecommendRequests, TrainerBeside, measureBesideTrainer } from './trainer-beside';

export interface ServingRun {
  algorithm: AlgorithmName;
  load: LoadResult;
  /** requests/s of this run over requests/s of `health`. */
  ratioToHealth: number;
  /**
   * /health on the same server measured just before this run: on a shared machine the CPU left
   * to the benchmark drifts within minutes, so each ratio is taken against its own neighbour.
   */
  health: LoadResult;
  /** The bare server handing out `sample`'s exact bytes, measured just before `health`. */
  bare: LoadResult;
  /** requests/s of this run over requests/s of `bare`. */
  ratioToBare: number;
  /** What a sample response said, to show the list was really produced by the algorithm. */
  sample: { algorithm: string; items: number; fallback: string | null; bytes: number };
}

export interface UnderTrainingRun {
  algorithm: AlgorithmName;
  /** Which processes served and trained, and with which SERVICE_ROLE. */
  layout: string;
  mode: 'saturated' | 'fixed rate';
  idle: LoadResult;
  training: LoadResult;
  /** p99 during training over p99 idle. */
  p99Ratio: number;
  retrain: RetrainOutcome;
}

export interface DatasetServing {
  dataset: string;
  description: string;
  users: number;
  items: number;
  interactions: number;
  knownUsers: number;
  loadSeconds: number;
  startupSeconds: number;
  retrains: RetrainOutcome[];
  health: LoadResult;
  /** The bare server handing out the service's /health bytes, measured just before `health`. */
  bareHealth: LoadResult;
  healthRatioToBare: number;
  runs: ServingRun[];
  cacheOn: ServingRun[];
  cacheWorkingSet: number;
  underTraining: UnderTrainingRun[];
  /** Serving on an API process while a separate trainer process retrains, if measured. */
  besideTrainer: TrainerBeside | null;
  profiles: ProfileSummary[];
  /** The server process once every model is loaded, after the serving runs. */
  serverRssMb: number;
  serverPeakRssMb: number;
  notes: string[];
}

const LIMIT = 20;
/**
 * Users in the cache-on run: well inside the service's 10,000-entry result cache, and each asked
 * for once before the measurement, so the run shows the cached path itself.
 */
const CACHE_WORKING_SET = 2_000;
/** The longest a load may run waiting for a retrain to finish. */
export const TRAINING_WINDOW_CAP_SECONDS = 900;
/** The layout of the under-training runs measured in the serving process itself. */
const SAME_PROCESS = 'one process serves and trains (SERVICE_ROLE unset: all)';

type Log = (line: string) => void;

/**
 * Serving benchmarks on one dataset: load it into SQLite, start the server, train each algorithm
 * through the API, then measure /health and recommendations per algorithm, each against a bare
 * node:http server handing out the same bytes (the machine's limit), serving while a retrain runs
 * in the same process and in a trainer process beside it, the cache-on path and, if asked, CPU profiles.
 */
export async function runServingOn(
  dataset: BenchDataset,
  algorithms: AlgorithmName[],
  plan: ServingPlan,
  workDir: string,
  slug: string,
  log: Log,
): Promise<DatasetServing> {
  const file = join(workDir, `${slug}.sqlite`);
  await migrateSqlite(file);
  const { seconds: loadSeconds } = loadIntoSqlite(file, dataset);
  log(`  ${dataset.name}: loaded into SQLite in ${loadSeconds.toFixed(1)} s`);
  const users = knownUserIds(dataset);
  const databaseUrl = `sqlite:${file}`;
  const notes: string[] = [];

  const startedAt = performance.now();
  // The service trains a first model by itself on a database without one; popularity is the cheapest.
  let bare: BareServer | undefined;
  let server = await ServerProcess.start({
    label: `${slug}-serving`,
    databaseUrl,
    workDir,
    env: { ENABLED_ALGORITHMS: 'popularity' },
  });
  const startupSeconds = (performance.now() - startedAt) / 1000;
  try {
    await server.waitForTrainingIdle();
    const retrains: RetrainOutcome[] = [];
    for (const algorithm of algorithms) {
      const outcome = await server.retrain(algorithm);
      retrains.push(outcome);
      log(
        `  ${slug} retrain ${algorithm}: ${outcome.status} in ${outcome.wallSeconds.toFixed(1)} s (service ${outcome.serviceSeconds ?? '?'} s, peak RSS ${Math.round(outcome.peakRssMb)} MB)${outcome.error ? ` — ${outcome.error}` : ''}`,
      );
    }
    const served = algorithms.filter((a) => retrains.find((r) => r.algorithm === a)?.status === 'active');
    for (const failed of algorithms.filter((a) => !served.includes(a)))
      notes.push(
        `${failed} did not train on ${dataset.name} (${retrains.find((r) => r.algorithm === failed)?.error ?? 'unknown'}); not served`,
      );

    const recommend: RecommendRequests = (algorithm, pool, seed, path = '/v1/recommendations') =>
      postRequests(
        path,
        (random) => {
          const user = random.int(pool.length);
          return { body: { user_id: pool[user], limit: LIMIT, algorithm }, client: clientAddress(user) };
        },
        seed,
      );
    const measureOn: Measure = (url, label, requests, overallRate, stopWhen) =>
      runLoad({
        label,
        url,
        connections: plan.connections,
        durationSeconds: stopWhen ? TRAINING_WINDOW_CAP_SECONDS : plan.durationSeconds,
        requests,
        overallRate,
        stopWhen,
      });
    const measure = (
      label: string,
      requests: ReturnType<typeof recommend>,
      overallRate?: number,
      stopWhen?: Promise<unknown>,
    ) => measureOn(server.baseUrl, label, requests, overallRate, stopWhen);

    await runLoad({
      label: 'warm-up',
      url: server.baseUrl,
      connections: plan.connections,
      durationSeconds: plan.warmupSeconds,
      requests: [getRequest('/health')],
    });
    for (const algorithm of served) {
      await runLoad({
        label: 'warm-up',
        url: server.baseUrl,
        connections: plan.connections,
        durationSeconds: plan.warmupSeconds,
        requests: recommend(algorithm, users, 99),
      });
    }
    const measureHealth = (label: string) =>
      runLoad({
        label,
        url: server.baseUrl,
        connections: plan.connections,
        durationSeconds: pairedHealthSeconds(plan),
        requests: [getRequest('/health')],
      });
    bare = await BareServer.start(workDir, slug, (await rawResponse(server.baseUrl, 'GET', '/health')).text);
    const bareServer = bare;
    await runLoad({
      label: 'warm-up bare',
      url: bareServer.baseUrl,
      connections: plan.connections,
      durationSeconds: plan.warmupSeconds,
      requests: [getRequest('/health')],
    });
    const bareHealth = await measureOn(bareServer.baseUrl, 'bare /health', [getRequest('/health')]);
    const health = await measure('/health', [getRequest('/health')]);
    const healthRatioToBare = health.requestsPerSecond / bareHealth.requestsPerSecond;
    log(
      `  ${slug} /health: ${Math.round(health.requestsPerSecond)} req/s, p99 ${health.latencyMs.p99.toFixed(2)} ms; ` +
        `${pct(healthRatioToBare)} of the bare server's ${Math.round(bareHealth.requestsPerSecond)} req/s`,
    );
    /** The bare server handing out this sample's bytes, measured with the same requests as the service. */
    const measureBare = (algorithm: AlgorithmName, sample: ServingRun['sample'] & { text: string }, pool: string[]) =>
      measureOn(
        bareServer.baseUrl,
        `bare ${algorithm}`,
        recommend(algorithm, pool, 1, bareServer.serve(`recommendations-${algorithm}`, sample.text)),
      );
    const runs: ServingRun[] = [];
    for (const algorithm of served) {
      const { text, ...sample } = await sampleResponse(server, users[0], algorithm);
      const bareLoad = await measureBare(algorithm, { ...sample, text }, users);
      const pairedHealth = await measureHealth(`/health before ${algorithm}`);
      const load = await measure(algorithm, recommend(algorithm, users, 1));
      const ratio = load.requestsPerSecond / pairedHealth.requestsPerSecond;
      const ratioToBare = load.requestsPerSecond / bareLoad.requestsPerSecond;
      runs.push({ algorithm, load, ratioToHealth: ratio, health: pairedHealth, bare: bareLoad, ratioToBare, sample });
      log(
        `  ${slug} ${algorithm}: ${Math.round(load.requestsPerSecond)} req/s, ${pct(ratioToBare)} of the bare server's ${Math.round(bareLoad.requestsPerSecond)} req/s ` +
          `for the same ${sample.bytes} bytes (${pct(ratio)} of /health at ${Math.round(pairedHealth.requestsPerSecond)} req/s just before), ` +
          `p50 ${load.latencyMs.p50.toFixed(1)} / p95 ${load.latencyMs.p95.toFixed(1)} / p99 ${load.latencyMs.p99.toFixed(1)} ms`,
      );
    }

    const underTraining: UnderTrainingRun[] = [];
    for (const algorithm of plan.underTrainingAlgorithms.filter((a) => served.includes(a))) {
      const idleSaturated = runs.find((r) => r.algorithm === algorithm)?.load as LoadResult;
      const saturated = await server.startRetrain(algorithm);
      const duringSaturated = await measure(
        `${algorithm} while retraining`,
        recommend(algorithm, users, 2),
        undefined,
        saturated.settled,
      );
      const saturatedRetrain = await saturated.settled;
      underTraining.push({
        algorithm,
        layout: SAME_PROCESS,
        mode: 'saturated',
        idle: idleSaturated,
        training: duringSaturated,
        p99Ratio: duringSaturated.latencyMs.p99 / idleSaturated.latencyMs.p99,
        retrain: saturatedRetrain,
      });

      const rate = Math.max(1, Math.round(idleSaturated.requestsPerSecond * plan.fixedRateShare));
      const idleFixed = await measure(`${algorithm} at ${rate} req/s`, recommend(algorithm, users, 3), rate);
      const fixed = await server.startRetrain(algorithm);
      const duringFixed = await measure(
        `${algorithm} at ${rate} req/s while retraining`,
        recommend(algorithm, users, 4),
        rate,
        fixed.settled,
      );
      underTraining.push({
        algorithm,
        layout: SAME_PROCESS,
        mode: 'fixed rate',
        idle: idleFixed,
        training: duringFixed,
        p99Ratio: duringFixed.latencyMs.p99 / idleFixed.latencyMs.p99,
        retrain: await fixed.settled,
      });
      for (const run of underTraining.slice(-2)) {
        log(
          `  ${slug} ${algorithm} under training (${run.mode}${run.idle.overallRate ? ` ${run.idle.overallRate} req/s` : ''}): p99 ${run.training.latencyMs.p99.toFixed(1)} ms vs idle ${run.idle.latencyMs.p99.toFixed(1)} ms = ×${run.p99Ratio.toFixed(2)} over ${run.training.seconds.toFixed(1)} s of training`,
        );
      }
    }
    const memory = server.memory();
    await server.stop();

    const besideAlgorithms = plan.underTrainingAlgorithms.filter((a) => served.includes(a));
    const besideTrainer =
      besideAlgorithms.length > 0
        ? await measureBesideTrainer({
            databaseUrl,
            workDir,
            slug,
            algorithms: besideAlgorithms,
            idle: runs,
            pool: users,
            fixedRateShare: plan.fixedRateShare,
            measure: measureOn,
            recommend,
            log,
          })
        : null;

    // The same database, models already active: the server loads them at start and trains nothing.
    const cacheOn: ServingRun[] = [];
    const cached: AlgorithmName[] = served.filter((a) => a === 'item_knn' || a === 'hybrid');
    if (cached.length > 0 && plan.cacheTtlSeconds > 0) {
      server = await ServerProcess.start({
        label: `${slug}-cache-on`,
        databaseUrl,
        workDir,
        env: { CACHE_TTL_SECONDS: String(plan.cacheTtlSeconds) },
      });
      const pool = samplePool(users, CACHE_WORKING_SET);
      for (const algorithm of cached) {
        await primeCache(server, pool, algorithm);
        const { text, ...sample } = await sampleResponse(server, pool[0], algorithm);
        const bareLoad = await measureBare(algorithm, { ...sample, text }, pool);
        const pairedHealth = await measureHealth(`/health before ${algorithm} cache on`);
        const load = await measure(`${algorithm} cache on`, recommend(algorithm, pool, 6));
        const ratio = load.requestsPerSecond / pairedHealth.requestsPerSecond;
        const ratioToBare = load.requestsPerSecond / bareLoad.requestsPerSecond;
        cacheOn.push({
          algorithm,
          load,
          ratioToHealth: ratio,
          health: pairedHealth,
          bare: bareLoad,
          ratioToBare,
          sample,
        });
        log(
          `  ${slug} ${algorithm} cache on (${pool.length} users): ${Math.round(load.requestsPerSecond)} req/s, ${pct(ratioToBare)} of the bare server (${pct(ratio)} of /health just before), p99 ${load.latencyMs.p99.toFixed(1)} ms`,
        );
      }
      await server.stop();
    }

    const profiles: ProfileSummary[] = [];
    for (const algorithm of plan.profileAlgorithms.filter((a) => served.includes(a))) {
      profiles.push(
        await profileServing({
          databaseUrl,
          workDir,
          label: `${slug} ${algorithm}`,
          requests: recommend(algorithm, users, 7),
          plan,
          log,
        }),
      );
    }
    // The cached path is the floor a recommendation costs over /health: validation, serialisation, I/O.
    const cachedProfile = plan.profileAlgorithms.find((a) => cached.includes(a));
    if (cachedProfile && plan.cacheTtlSeconds > 0) {
      profiles.push(
        await profileServing({
          databaseUrl,
          workDir,
          label: `${slug} ${cachedProfile} cache on`,
          requests: recommend(cachedProfile, samplePool(users, CACHE_WORKING_SET), 6),
          plan,
          log,
          env: { CACHE_TTL_SECONDS: String(plan.cacheTtlSeconds) },
          prime: { pool: samplePool(users, CACHE_WORKING_SET), algorithm: cachedProfile },
        }),
      );
    }

    return {
      dataset: dataset.name,
      description: dataset.description,
      users: dataset.users.length,
      items: dataset.items.length,
      interactions: dataset.events.user.length,
      knownUsers: users.length,
      loadSeconds,
      startupSeconds,
      retrains,
      health,
      bareHealth,
      healthRatioToBare,
      runs,
      cacheOn,
      cacheWorkingSet: CACHE_WORKING_SET,
      underTraining,
      besideTrainer,
      profiles,
      serverRssMb: memory.rssKb / 1024,
      serverPeakRssMb: memory.hwmKb / 1024,
      notes,
    };
  } finally {
    await server.stop();
    await bare?.stop();
  }
}

interface ProfileRun {
  databaseUrl: string;
  workDir: string;
  label: string;
  requests: ReturnType<typeof postRequests>;
  plan: ServingPlan;
  log: Log;
  env?: Record<string, string>;
  /** Fill the result cache for these users before profiling. */
  prime?: { pool: string[]; algorithm: AlgorithmName };
}

/** The /health run paired with each recommendations run: half as long, it only needs a stable rate. */
function pairedHealthSeconds(plan: ServingPlan): number {
  return Math.max(1, Math.round(plan.durationSeconds / 2));
}

/** A server started with --cpu-prof, loaded for the run's duration, stopped so the profile is written. */
async function profileServing(run: ProfileRun): Promise<ProfileSummary> {
  const { plan, requests } = run;
  const slug = run.label.replace(/[^a-z0-9]+/gi, '-');
  const dir = join(run.workDir, `profile-${slug}`);
  mkdirSync(dir, { recursive: true });
  const server = await ServerProcess.start({
    label: `profile-${slug}`,
    databaseUrl: run.databaseUrl,
    workDir: run.workDir,
    cpuProfileDir: dir,
    env: run.env,
  });
  let skipMs: number;
  try {
    if (run.prime) await primeCache(server, run.prime.pool, run.prime.algorithm);
    await runLoad({
      label: 'warm-up',
      url: server.baseUrl,
      connections: plan.connections,
      durationSeconds: plan.warmupSeconds,
      requests,
    });
    skipMs = performance.now() - server.spawnedAt;
    const load = await runLoad({
      label: `${run.label} profiled`,
      url: server.baseUrl,
      connections: plan.connections,
      durationSeconds: plan.durationSeconds,
      requests,
    });
    run.log(`  ${run.label} profiled run: ${Math.round(load.requestsPerSecond)} req/s (profiler on)`);
  } finally {
    await server.stop();
  }
  const file = mainThreadProfile(dir);
  if (!file) throw new Error(`no CPU profile written in ${dir}`);
  return summariseProfile(run.label, file, skipMs);
}

/** One request per user of the pool (16 at a time), so that every later request is a cache hit. */
async function primeCache(server: ServerProcess, pool: string[], algorithm: AlgorithmName): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < pool.length) {
      const user = next++;
      await server.request('POST', '/v1/recommendations', { user_id: pool[user], limit: LIMIT, algorithm });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** One recommendation response as the service wrote it: its bytes are what the bare server hands out. */
async function sampleResponse(
  server: ServerProcess,
  userId: string,
  algorithm: AlgorithmName,
): Promise<ServingRun['sample'] & { text: string }> {
  const { status, text } = await rawResponse(server.baseUrl, 'POST', '/v1/recommendations', {
    user_id: userId,
    limit: LIMIT,
    algorithm,
  });
  if (status !== 200) throw new Error(`POST /v1/recommendations (${algorithm}) answered ${status}: ${text}`);
  const body = JSON.parse(text) as { algorithm?: string; recommendations?: unknown[]; fallback?: string };
  return {
    algorithm: body.algorithm ?? '?',
    items: body.recommendations?.length ?? 0,
    fallback: body.fallback ?? null,
    bytes: Buffer.byteLength(text),
    text,
  };
}

async function rawResponse(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

/** `size` distinct users, chosen deterministically. */
function samplePool(users: string[], size: number): string[] {
  if (users.length <= size) return users;
  const random = new Prng(11);
  const chosen = new Set<string>();
  while (chosen.size < size) chosen.add(users[random.int(users.length)]);
  return [...chosen];
}

function pct(ratio: number): string {
  return `${(ratio * 100).toFixed(0)}%`;
}
