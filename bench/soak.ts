import Database from 'better-sqlite3';
import { AlgorithmName } from '../src/algorithms/types';
import { LoadResult, postRequests, runLoad } from './load';
import { SoakPlan } from './options';
import { Prng } from './prng';
import { ServerProcess } from './server';
import { SoakDatabase, mariadbSoakDatabase, sqliteSoakDatabase } from './soak-database';
import { syntheticSqliteCopy } from './synthetic-sqlite';

export interface SoakSection {
  dataset: string;
  /** `sqlite` or `mariadb <version>`. */
  database: string;
  minutes: number;
  connections: number;
  experiment: string;
  /** What the experiment compares, e.g. `item_knn against matrix_factorization`. */
  variants: string;
  load: LoadResult;
  /** 2xx responses per second in each window (a minute unless stated). */
  windowRates: number[];
  windowSeconds: number;
  /** The last window's rate over the first's: the flat-over-time target wants at least 0.9. */
  lastOverFirst: number | null;
  /** Server resident set at the end of each window. */
  rssMbPerWindow: number[];
  /** Lists shown: 2xx recommendation responses, each under the experiment. */
  lists: number;
  databaseBytesBefore: number;
  databaseBytesAfter: number;
  /** Growth of the database (file, or data and indexes) per million lists shown. */
  bytesPerMillionLists: number;
  /** Tables whose row count changed during the soak, with the change. */
  rowsAdded: Record<string, number>;
  /** What the first response said: the experiment and variant it ran under. */
  sample: { abExperiment: string | null; variant: string | null };
}

const EXPERIMENT = 'bench_soak';
/** The soak measures serving and impressions over time, not the algorithms: two that train quickly keep its set-up short. */
const VARIANTS: [string, AlgorithmName][] = [
  ['control', 'item_knn'],
  ['treatment', 'matrix_factorization'],
];
/** The one caller's address: every request is the same client to the rate limiter. */
const CALLER = '10.0.0.1';

/**
 * Flat over time: ONE caller (one address, 8 connections) asks for recommendations with the
 * result cache off under an active experiment (so every list shown writes its impression) for
 * `minutes`, counting the rate per window, and the database's growth per million lists. The
 * database is measured with the server stopped, so SQLite has checkpointed its WAL into the file.
 */
export async function runSoak(plan: SoakPlan, workDir: string, log: (line: string) => void): Promise<SoakSection> {
  const shape = plan.synthetic;
  const { file } = await syntheticSqliteCopy(shape, workDir, 'soak', log);
  const users = knownUsers(file);
  const database =
    plan.database === 'mariadb' ? await mariadbSoakDatabase(file, plan.mysqlUrl, log) : sqliteSoakDatabase(file);
  try {
    return await soakOn(database, users, plan, workDir, log);
  } finally {
    await database.drop();
  }
}

async function soakOn(
  database: SoakDatabase,
  users: string[],
  plan: SoakPlan,
  workDir: string,
  log: (line: string) => void,
): Promise<SoakSection> {
  const shape = plan.synthetic;
  const databaseUrl = database.url;
  let server = await ServerProcess.start({
    label: 'soak-setup',
    databaseUrl,
    workDir,
    env: { ENABLED_ALGORITHMS: 'popularity' },
  });
  try {
    await server.waitForTrainingIdle();
    for (const [, algorithm] of VARIANTS) {
      const outcome = await server.retrain(algorithm);
      log(`  soak retrain ${algorithm}: ${outcome.status} in ${outcome.wallSeconds.toFixed(1)} s`);
      if (outcome.status !== 'active') throw new Error(`soak: ${algorithm} did not train (${outcome.error})`);
    }
    const created = await server.request('POST', '/v1/experiments', {
      experiment_id: EXPERIMENT,
      name: 'Benchmark soak',
      status: 'active',
      variants: VARIANTS.map(([variant_id, algorithm]) => ({ variant_id, algorithm, traffic_percentage: 50 })),
    });
    if (created.status !== 201) throw new Error(`soak: creating the experiment answered ${created.status}`);
    await server.stop();
    const before = await database.footprint();

    server = await ServerProcess.start({ label: 'soak', databaseUrl, workDir });
    const { body: first } = await server.request<{ ab_experiment?: string | null; variant?: string | null }>(
      'POST',
      '/v1/recommendations',
      { user_id: users[0], limit: 20, experiment_id: EXPERIMENT },
    );
    const rssMbPerWindow: number[] = [];
    const sampler = setInterval(
      () => rssMbPerWindow.push(Math.round(server.memory().rssKb / 1024)),
      plan.windowSeconds * 1000,
    );
    let load: LoadResult;
    try {
      load = await runLoad({
        label: 'soak',
        url: server.baseUrl,
        connections: plan.connections,
        durationSeconds: plan.minutes * 60,
        windowSeconds: plan.windowSeconds,
        requests: postRequests(
          '/v1/recommendations',
          (random: Prng) => ({
            body: { user_id: users[random.int(users.length)], limit: 20, experiment_id: EXPERIMENT },
            client: CALLER,
          }),
          5,
        ),
      });
    } finally {
      clearInterval(sampler);
    }
    // Impressions are written off the request path: stopping drains them and checkpoints the WAL.
    await server.stop();
    const after = await database.footprint();
    const databaseBytesBefore = before.bytes;
    const databaseBytesAfter = after.bytes;
    const rowsAdded: Record<string, number> = {};
    for (const [table, count] of Object.entries(after.rows))
      if (count !== (before.rows[table] ?? 0)) rowsAdded[table] = count - (before.rows[table] ?? 0);
    const rates = load.windowRates;
    const section: SoakSection = {
      database: database.name,
      dataset: `synthetic ${shape.users.toLocaleString('en')} users × ${shape.items.toLocaleString('en')} items × ${shape.interactions.toLocaleString('en')} interactions`,
      minutes: plan.minutes,
      connections: plan.connections,
      experiment: EXPERIMENT,
      variants: VARIANTS.map(([, algorithm]) => algorithm).join(' against '),
      load,
      windowRates: rates,
      windowSeconds: plan.windowSeconds,
      lastOverFirst: rates.length >= 2 ? rates[rates.length - 1] / rates[0] : null,
      rssMbPerWindow,
      lists: load.ok,
      databaseBytesBefore,
      databaseBytesAfter,
      bytesPerMillionLists: ((databaseBytesAfter - databaseBytesBefore) / Math.max(1, load.ok)) * 1e6,
      rowsAdded,
      sample: { abExperiment: first.ab_experiment ?? null, variant: first.variant ?? null },
    };
    log(
      `  soak: ${rates.map((r) => Math.round(r)).join(', ')} req/s per ${plan.windowSeconds} s window; last/first ${section.lastOverFirst?.toFixed(2) ?? '?'}; ` +
        `${load.ok.toLocaleString('en')} lists, database +${((databaseBytesAfter - databaseBytesBefore) / 2 ** 20).toFixed(1)} MB ` +
        `(${(section.bytesPerMillionLists / 2 ** 20).toFixed(0)} MB per million lists)`,
    );
    return section;
  } finally {
    await server.stop();
  }
}

/** Users with any feedback: the requests ask for known users, as a backend would. */
function knownUsers(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT DISTINCT user_id FROM interactions').pluck().all() as string[]).sort();
  } finally {
    db.close();
  }
}
