import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import knex from 'knex';
import { FeedbackAction } from '../src/domain/feedback-actions';
import { ProfileSummary, mainThreadProfile, summariseProfile } from './cpu-profile';
import { LoadResult, clientAddress, cyclingPostRequests, postRequests, runLoad } from './load';
import { IngestionPlan } from './options';
import { Prng } from './prng';
import { ServerProcess } from './server';

export type DatabaseKind = 'sqlite' | 'mariadb';

export interface IngestionRow {
  database: DatabaseKind;
  mode: 'single' | 'batch';
  eventsPerRequest: number;
  eventsPerSecond: number;
  load: LoadResult;
}

export interface IngestionSection {
  rows: IngestionRow[];
  /** One batch of events on 1,000 distinct items per database: the HTTP status it got (200 expected). */
  wideBatchProbes: { database: DatabaseKind; status: number; detail: string }[];
  skipped: string[];
  mariadbVersion: string | null;
  profiles: ProfileSummary[];
}

const ACTIONS: FeedbackAction[] = ['click', 'click', 'save', 'like', 'skip', 'hide'];
const USERS = 10_000;
/**
 * Rows per POST /v1/items/batch while seeding. SQLite caps a compound SELECT at 500 terms and knex
 * writes a multi-row insert as one; ItemsRepository chunks by 500 since 2026-11-23, and the
 * benchmark stays under the cap either way so that seeding cannot be what fails.
 */
const ITEMS_PER_SEED_REQUEST = 500;
/**
 * A server finding enough feedback and no model trains one at start; the profiled run restarts on
 * the database the measured runs filled, and ingestion is to be measured without training.
 */
const NO_TRAINING = { MIN_TRAINING_SAMPLES: '1000000000' };

/** Feedback events/s through POST /v1/feedback and /v1/feedback/batch, on SQLite and on MariaDB. */
export async function runIngestionSection(
  plan: IngestionPlan,
  workDir: string,
  log: (line: string) => void,
): Promise<IngestionSection> {
  const section: IngestionSection = { rows: [], wideBatchProbes: [], skipped: [], mariadbVersion: null, profiles: [] };
  const sqliteUrl = `sqlite:${join(workDir, 'ingestion.sqlite')}`;
  const sqlite = await ingestInto('sqlite', sqliteUrl, plan, workDir, log);
  section.rows.push(...sqlite.rows);
  section.wideBatchProbes.push(sqlite.probe);
  if (plan.profile) section.profiles.push(...(await profileIngestion(sqliteUrl, plan, workDir, log)));
  const mysql = await createMysqlDatabase(plan.mysqlUrl);
  if ('skipped' in mysql) {
    section.skipped.push(mysql.skipped);
    log(`  ${mysql.skipped}`);
    return section;
  }
  section.mariadbVersion = mysql.version;
  try {
    const mariadb = await ingestInto('mariadb', mysql.url, plan, workDir, log);
    section.rows.push(...mariadb.rows);
    section.wideBatchProbes.push(mariadb.probe);
  } finally {
    await mysql.drop();
  }
  return section;
}

async function ingestInto(
  database: DatabaseKind,
  databaseUrl: string,
  plan: IngestionPlan,
  workDir: string,
  log: (line: string) => void,
): Promise<{ rows: IngestionRow[]; probe: IngestionSection['wideBatchProbes'][number] }> {
  const server = await ServerProcess.start({ label: `ingestion-${database}`, databaseUrl, workDir, env: NO_TRAINING });
  try {
    await seedCatalogue(server, plan.catalogueSize);
    await runLoad({
      label: 'warm-up',
      url: server.baseUrl,
      connections: plan.singleConnections,
      durationSeconds: 1,
      requests: singleRequests(plan),
    });
    const singleLoad = await runLoad({
      label: `${database} single`,
      url: server.baseUrl,
      connections: plan.singleConnections,
      durationSeconds: plan.durationSeconds,
      requests: singleRequests(plan),
    });
    const batchLoad = await runLoad({
      label: `${database} batch`,
      url: server.baseUrl,
      connections: plan.batchConnections,
      durationSeconds: plan.durationSeconds,
      requests: batchRequests(plan),
    });
    const rows: IngestionRow[] = [
      {
        database,
        mode: 'single',
        eventsPerRequest: 1,
        eventsPerSecond: singleLoad.requestsPerSecond,
        load: singleLoad,
      },
      {
        database,
        mode: 'batch',
        eventsPerRequest: plan.batchSize,
        eventsPerSecond: batchLoad.requestsPerSecond * plan.batchSize,
        load: batchLoad,
      },
    ];
    for (const row of rows)
      log(
        `  ingestion ${database} ${row.mode}: ${Math.round(row.eventsPerSecond)} events/s (p99 ${row.load.latencyMs.p99.toFixed(1)} ms, non-2xx ${row.load.non2xx})`,
      );
    // Regression probe for the compound-SELECT cap: a batch naming 1,000 distinct items must be stored.
    const wide = Array.from({ length: plan.batchSize }, (_, k) => ({
      user_id: `user_${k % USERS}`,
      event_id: `evt_${k % plan.catalogueSize}`,
      action: 'click',
    }));
    const { status, body } = await server.request<{ detail?: string }>('POST', '/v1/feedback/batch', { events: wide });
    log(
      `  ingestion ${database}: a batch on ${Math.min(plan.batchSize, plan.catalogueSize)} distinct items answered ${status}`,
    );
    return { rows, probe: { database, status, detail: body.detail ?? '' } };
  } finally {
    await server.stop();
  }
}

function singleRequests(plan: IngestionPlan) {
  return postRequests(
    '/v1/feedback',
    (random) => {
      const event = feedbackEvent(random, 0, plan.catalogueSize);
      return { body: withoutIndex(event), client: clientAddress(event.user) };
    },
    1,
  );
}

function batchRequests(plan: IngestionPlan) {
  const random = new Prng(2);
  const bodies = Array.from({ length: 8 }, () =>
    JSON.stringify({
      events: Array.from({ length: plan.batchSize }, () => withoutIndex(feedbackEvent(random, 0, plan.catalogueSize))),
    }),
  );
  return cyclingPostRequests('/v1/feedback/batch', bodies);
}

/** The SQLite single and batch loads again on a server under --cpu-prof, one summary per load. */
async function profileIngestion(
  databaseUrl: string,
  plan: IngestionPlan,
  workDir: string,
  log: (line: string) => void,
): Promise<ProfileSummary[]> {
  const dir = join(workDir, 'profile-ingestion-sqlite');
  mkdirSync(dir, { recursive: true });
  const server = await ServerProcess.start({
    label: 'profile-ingestion-sqlite',
    databaseUrl,
    workDir,
    cpuProfileDir: dir,
    env: NO_TRAINING,
  });
  const windows: [string, number, number][] = [];
  try {
    await runLoad({
      label: 'warm-up',
      url: server.baseUrl,
      connections: plan.singleConnections,
      durationSeconds: 1,
      requests: singleRequests(plan),
    });
    for (const [label, connections, requests] of [
      ['sqlite POST /v1/feedback', plan.singleConnections, singleRequests(plan)],
      ['sqlite POST /v1/feedback/batch', plan.batchConnections, batchRequests(plan)],
    ] as const) {
      const from = performance.now() - server.spawnedAt;
      const load = await runLoad({
        label,
        url: server.baseUrl,
        connections,
        durationSeconds: plan.durationSeconds,
        requests: [...requests],
      });
      windows.push([label, from, performance.now() - server.spawnedAt]);
      log(`  ${label} profiled run: ${Math.round(load.requestsPerSecond)} req/s (profiler on)`);
    }
  } finally {
    await server.stop();
  }
  const file = mainThreadProfile(dir);
  if (!file) throw new Error(`no CPU profile written in ${dir}`);
  return windows.map(([label, from, until]) => summariseProfile(label, file, from, until));
}

/** The event as the API takes it (the user's index is the benchmark's, for the client address). */
function withoutIndex({ user_id, event_id, action }: ReturnType<typeof feedbackEvent>) {
  return { user_id, event_id, action };
}

/** Feedback on known items (evt_firstItem … evt_firstItem+items-1), as a live client would send it. */
function feedbackEvent(random: Prng, firstItem: number, items: number) {
  const user = random.int(USERS);
  return {
    user,
    user_id: `user_${user}`,
    event_id: `evt_${firstItem + random.int(items)}`,
    action: random.pick(ACTIONS),
  };
}

async function seedCatalogue(server: ServerProcess, size: number): Promise<void> {
  for (let start = 0; start < size; start += ITEMS_PER_SEED_REQUEST) {
    const items = Array.from({ length: Math.min(ITEMS_PER_SEED_REQUEST, size - start) }, (_, k) => ({
      id: `evt_${start + k}`,
      name: `Event ${start + k}`,
      city: 'Dublin',
      genres: ['Techno'],
      starts_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    }));
    const { status, body } = await server.request('POST', '/v1/items/batch', { items });
    if (status >= 300) throw new Error(`items/batch answered ${status}: ${JSON.stringify(body)}`);
  }
}

export type MysqlDatabase = { url: string; version: string; drop(): Promise<void> } | { skipped: string };

/** A fresh database `ml_service_bench_<random>` on the server MYSQL_BENCH_URL names, or why not. */
export async function createMysqlDatabase(serverUrl: string): Promise<MysqlDatabase> {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return { skipped: 'MYSQL_BENCH_URL is not a mysql:// URL; MariaDB ingestion skipped' };
  }
  const connection = {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    connectTimeout: 2000,
  };
  const name = `ml_service_bench_${randomBytes(4).toString('hex')}`;
  const admin = knex({ client: 'mysql2', connection, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 3000 });
  try {
    const [rows] = (await admin.raw('SELECT VERSION() AS version')) as [{ version: string }[]];
    await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const target = new URL(serverUrl);
    target.pathname = `/${name}`;
    return {
      url: target.toString(),
      version: rows[0]?.version ?? 'unknown',
      drop: async () => {
        const cleanup = knex({ client: 'mysql2', connection, pool: { min: 0, max: 1 } });
        await cleanup.raw(`DROP DATABASE IF EXISTS \`${name}\``);
        await cleanup.destroy();
      },
    };
  } catch (error) {
    return { skipped: `MariaDB at ${url.host} unreachable (${(error as Error).message}); MariaDB ingestion skipped` };
  } finally {
    await admin.destroy();
  }
}
