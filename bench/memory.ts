import Database from 'better-sqlite3';
import { CONFIG_VARIABLES } from '../src/config/variables';
import { LoadResult, clientAddress, postRequests, runLoad } from './load';
import { MemoryPlan, trainingShape } from './options';
import { ServerProcess } from './server';
import { syntheticSqliteCopy } from './synthetic-sqlite';

export interface MemorySection {
  algorithms: string[];
  interactions: number;
  users: number;
  items: number;
  /** Building the database, or null when the cached file was reused. */
  buildSeconds: number | null;
  databaseMb: number;
  /** The first models, trained by the service itself on start-up: each one's status. */
  training: { statuses: Record<string, string>; wallSeconds: number; peakRssMb: number };
  /** Which process was measured: an API replica when the build has SERVICE_ROLE. */
  role: string;
  /** From spawning the process until /health answered, and until every model was loaded. */
  secondsToHealthy: number;
  secondsToModelLoaded: number;
  rssAfterLoadMb: number;
  /** After a short load over many users: what serving itself adds (caches, lazy state). */
  serving: LoadResult;
  rssAfterServingMb: number;
  peakRssMb: number;
}

/** Generous for the memory scale: the default refuses runs sized for a 2 GiB pod. */
const TRAINING_MEMORY_BUDGET_MB = '16384';
const SERVING_SECONDS = 10;
/** Migrations and start-up reads on a 20M-interaction database take longer than the usual three minutes. */
const START_TIMEOUT_MS = 1_800_000;

/**
 * Memory and load time at a large scale (20M interactions by default): the service trains the
 * plan's algorithms once on a synthetic SQLite database (built once and cached), then a fresh
 * process, an API replica where roles exist, starts on it; the section reports how long it takes
 * to be healthy and to have loaded every model, and its RSS then and after a short load.
 */
export async function runMemorySection(
  plan: MemoryPlan,
  workDir: string,
  log: (line: string) => void,
): Promise<MemorySection> {
  const shape = trainingShape(plan.interactions);
  const { file, buildSeconds } = await syntheticSqliteCopy(shape, workDir, 'memory', log);
  const databaseUrl = `sqlite:${file}`;
  const trainingStarted = performance.now();
  const trainer = await ServerProcess.start({
    label: 'memory-training',
    databaseUrl,
    workDir,
    startTimeoutMs: START_TIMEOUT_MS,
    env: {
      ENABLED_ALGORITHMS: plan.algorithms.join(','),
      TRAINING_MEMORY_BUDGET_MB,
      TRAINING_TIMEOUT_SECONDS: '7200',
      // Building the models is not what this section measures: let it use both cores.
      TRAINING_THREADS: '2',
    },
  });
  let training: MemorySection['training'];
  try {
    await trainer.waitForTrainingIdle(7_200_000);
    const statuses: Record<string, string> = {};
    for (const algorithm of plan.algorithms) {
      const { body } = await trainer.request<{ models: { status: string }[] }>(
        'GET',
        `/v1/models?algorithm=${algorithm}&limit=1`,
      );
      statuses[algorithm] = body.models?.[0]?.status ?? 'none';
    }
    training = {
      statuses,
      wallSeconds: (performance.now() - trainingStarted) / 1000,
      peakRssMb: trainer.memory().hwmKb / 1024,
    };
    log(
      `  memory: ${JSON.stringify(statuses)} at ${shape.interactions.toLocaleString('en')} interactions after ${training.wallSeconds.toFixed(0)} s, peak RSS ${Math.round(training.peakRssMb)} MB`,
    );
  } finally {
    await trainer.stop();
  }
  const inactive = plan.algorithms.filter((a) => training.statuses[a] !== 'active');
  if (inactive.length > 0) throw new Error(`memory: not active: ${inactive.join(', ')}`);

  const rolesSupported = 'SERVICE_ROLE' in CONFIG_VARIABLES;
  const spawned = performance.now();
  const api = await ServerProcess.start({
    label: 'memory-api',
    databaseUrl,
    workDir,
    startTimeoutMs: START_TIMEOUT_MS,
    env: { ENABLED_ALGORITHMS: plan.algorithms.join(','), ...(rolesSupported ? { SERVICE_ROLE: 'api' } : {}) },
  });
  try {
    const secondsToHealthy = (performance.now() - spawned) / 1000;
    for (;;) {
      const { body } = await api.request<{ details?: { model?: { versions?: Record<string, string> } } }>(
        'GET',
        '/health/ready',
      );
      const versions = body.details?.model?.versions ?? {};
      if (plan.algorithms.every((a) => a in versions)) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    const secondsToModelLoaded = (performance.now() - spawned) / 1000;
    const rssAfterLoadMb = api.memory().rssKb / 1024;
    const users = sampleUsers(file, 20_000);
    const serving = await runLoad({
      label: 'memory serving',
      url: api.baseUrl,
      connections: 32,
      durationSeconds: SERVING_SECONDS,
      requests: postRequests(
        '/v1/recommendations',
        (random) => {
          const user = random.int(users.length);
          return { body: { user_id: users[user], limit: 20 }, client: clientAddress(user) };
        },
        9,
      ),
    });
    const section: MemorySection = {
      algorithms: plan.algorithms,
      interactions: shape.interactions,
      users: shape.users,
      items: shape.items,
      buildSeconds,
      databaseMb: fileMb(file),
      training,
      role: rolesSupported ? 'SERVICE_ROLE=api' : 'SERVICE_ROLE unset (all): this build has no roles',
      secondsToHealthy,
      secondsToModelLoaded,
      rssAfterLoadMb,
      serving,
      rssAfterServingMb: api.memory().rssKb / 1024,
      peakRssMb: api.memory().hwmKb / 1024,
    };
    log(
      `  memory: ${section.role}, healthy in ${secondsToHealthy.toFixed(1)} s, model loaded in ${secondsToModelLoaded.toFixed(1)} s, ` +
        `RSS ${Math.round(rssAfterLoadMb)} MB after load, ${Math.round(section.rssAfterServingMb)} MB after ${SERVING_SECONDS} s of serving ` +
        `(${Math.round(serving.requestsPerSecond)} req/s, p99 ${serving.latencyMs.p99.toFixed(1)} ms)`,
    );
    return section;
  } finally {
    await api.stop();
  }
}

/** `count` user ids with feedback, spread over the whole table. */
function sampleUsers(file: string, count: number): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const total = db.prepare('SELECT COUNT(*) FROM users').pluck().get() as number;
    const step = Math.max(1, Math.floor(total / count));
    return db.prepare('SELECT id FROM users WHERE rowid % ? = 0 LIMIT ?').pluck().all(step, count) as string[];
  } finally {
    db.close();
  }
}

function fileMb(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    const pages = db.pragma('page_count', { simple: true }) as number;
    const size = db.pragma('page_size', { simple: true }) as number;
    return (pages * size) / 2 ** 20;
  } finally {
    db.close();
  }
}
