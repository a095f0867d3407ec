import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createKnex } from '../src/database/database';
import { FeedbackAction } from '../src/domain/feedback-actions';
import { createTestDatabase, databaseUrl, Dialect, MYSQL_TEST_URL } from '../test/support/databases';
import { BusClient, uniqueBus } from '../test/support/nats';
import { freePort, spawnServer, waitUntilOk } from '../test/support/server-process';
import { mainThreadProfile, summariseProfile } from './cpu-profile';
import { Prng } from './prng';

const ACTIONS: FeedbackAction[] = ['click', 'click', 'save', 'like', 'skip', 'hide'];

/**
 * Feedback events/s from the bus into the database: publishes `--events` messages on a stream of
 * their own first, then starts the service (its own process) and times its consumer from the first
 * acknowledgement to the last, on SQLite and (with MYSQL_TEST_URL) on MariaDB. With `--cpu-prof=<dir>`
 * the service runs under --cpu-prof and the busiest functions while consuming are printed. Take the lock:
 *   flock /tmp/bench.lock node dist/bench/bus-ingestion.js [--events=200000] [--nats=nats://127.0.0.1:4222]
 */
async function main(): Promise<void> {
  const flags = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
  const events = Number(flags.get('events') ?? 200_000);
  const natsUrl = flags.get('nats') ?? process.env.NATS_TEST_URL ?? 'nats://127.0.0.1:4222';
  const profileDir = flags.get('cpu-prof');
  const dialects: Dialect[] = MYSQL_TEST_URL ? ['sqlite', 'mysql'] : ['sqlite'];
  for (const dialect of dialects) {
    const rate = await measure(dialect, events, natsUrl, profileDir && resolve(profileDir, dialect));
    console.log(
      `${dialect === 'mysql' ? 'MariaDB' : 'SQLite'}: ${events} events in ${rate.seconds.toFixed(1)} s = ` +
        `${Math.round(rate.perSecond)} events/s; the service used ${rate.cpu.toFixed(1)} CPU-s = ` +
        `${Math.round(rate.perCpuSecond)} events per CPU-second (load average ${loadavg()[0].toFixed(1)})`,
    );
  }
}

async function measure(dialect: Dialect, events: number, natsUrl: string, profileDir: string | undefined) {
  const database = await createTestDatabase(dialect);
  const bus = await BusClient.open(natsUrl);
  const { stream, prefix } = uniqueBus();
  const subject = `${prefix}.feedback`;
  const durable = subject.replace(/\./g, '_');
  const random = new Prng(7);
  try {
    await bus.createStream(stream, [`${prefix}.>`]);
    const messages = Array.from({ length: events }, (_, n) => ({
      feedback_id: `fb_${n}`,
      user_id: `u${random.int(10_000)}`,
      event_id: `e${random.int(5_000)}`,
      action: ACTIONS[random.int(ACTIONS.length)],
    }));
    await bus.publishAll(subject, messages, 2000);
    const spawnedAt = performance.now();
    const server = spawnServer(
      {
        DATABASE_URL: databaseUrl(database.config),
        NATS_URL: natsUrl,
        NATS_STREAM: stream,
        NATS_SUBJECT_PREFIX: prefix,
        // Ingestion alone: no training at start however much feedback there is.
        MIN_TRAINING_SAMPLES: '1000000000',
      },
      await freePort(),
      { nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--require', PROFILE_EXIT_HOOK] : [] },
    );
    let consumed: { from: number; to: number } | undefined;
    try {
      await waitUntilOk(server, '/ready', 120_000);
      const lag = () => bus.consumerLag(stream, durable).catch(() => events);
      const pid = server.child.pid as number;
      let started = 0;
      let cpuAtStart = 0;
      for (;;) {
        const left = await lag();
        if (started === 0 && left < events) [started, cpuAtStart] = [performance.now(), cpuSeconds(pid)];
        if (left === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      consumed = { from: started - spawnedAt, to: performance.now() - spawnedAt };
      const seconds = (performance.now() - started) / 1000;
      const cpu = cpuSeconds(pid) - cpuAtStart;
      const db = createKnex(database.config);
      const stored = Number((await db('interactions').count({ n: '*' }))[0].n);
      await db.destroy();
      if (stored !== events) throw new Error(`${stored} rows for ${events} events`);
      return { seconds, perSecond: events / seconds, cpu, perCpuSecond: events / cpu };
    } finally {
      await server.stop();
      if (profileDir && consumed) printProfile(profileDir, consumed);
    }
  } finally {
    await bus.deleteStream(stream);
    await bus.close();
    await database.drop();
  }
}

/** Preloaded into a profiled service: SIGTERM becomes a normal exit, when --cpu-prof writes its file. */
const PROFILE_EXIT_HOOK = resolve(__dirname, 'profile-exit-hook.js');

/** The service's busiest code while it consumed (times from its spawn, so start-up is left out). */
function printProfile(dir: string, consumed: { from: number; to: number }): void {
  const file = mainThreadProfile(dir);
  if (!file) return;
  const summary = summariseProfile('consuming', file, consumed.from, consumed.to, 25);
  console.log(`profile ${file}: ${summary.busyMs.toFixed(0)} ms busy, ${summary.idlePercent.toFixed(0)}% idle`);
  for (const [title, entries] of [
    ['self', summary.self],
    ['inclusive', summary.inclusive],
    ['by area', summary.byArea],
  ] as const) {
    console.log(`  ${title}:`);
    for (const entry of entries) console.log(`    ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}`);
  }
}

/**
 * CPU time (user + system, all threads) the process has used so far: on a shared, loaded machine the
 * wall-clock rate says more about the neighbours than about the service.
 */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

void main();
