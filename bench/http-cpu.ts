import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BareServer } from './bare-reference';
import { mainThreadProfile, summariseProfile } from './cpu-profile';
import { getRequest, LoadResult, median, runLoad } from './load';
import { ServerProcess } from './server';

/**
 * Server CPU per request, the service against the bare node:http server handing out the same
 * bytes, on the demo data with the result cache off. CPU time (from /proc) rather than req/s,
 * because the load generator shares the machine's cores: a busy machine changes the rate far more
 * than the cost of a request. Rounds are interleaved so drift hits every target alike.
 *
 *   node dist/bench/http-cpu.js [--seconds=8] [--rounds=3] [--connections=32]
 *     [--algorithm=popularity] [--user=user_001] [--profile]
 *
 * --profile runs the service under --cpu-prof and prints where its busy time went.
 */
interface Target {
  name: string;
  pid: () => number;
  url: string;
  request: () => ReturnType<typeof getRequest>;
}

interface Sample {
  cpuMicrosPerRequest: number;
  load: LoadResult;
}

const CLOCK_TICKS_PER_SECOND = 100;

function option(name: string, fallback: string): string {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  return given ? given.slice(name.length + 3) : fallback;
}

/** utime + stime of a process, in microseconds. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND) * 1e6;
}

async function measure(target: Target, seconds: number, connections: number): Promise<Sample> {
  const before = cpuMicros(target.pid());
  const load = await runLoad({
    label: target.name,
    url: target.url,
    connections,
    durationSeconds: seconds,
    requests: [target.request()],
  });
  return { cpuMicrosPerRequest: (cpuMicros(target.pid()) - before) / (load.ok + load.non2xx), load };
}

async function main(): Promise<void> {
  const seconds = Number(option('seconds', '8'));
  const rounds = Number(option('rounds', '3'));
  const connections = Number(option('connections', '32'));
  const algorithm = option('algorithm', 'popularity');
  const user = option('user', 'user_001');
  const profile = process.argv.includes('--profile');
  const workDir = mkdtempSync(join(tmpdir(), 'http-cpu-'));

  const service = await ServerProcess.start({
    label: 'service',
    databaseUrl: `sqlite:${join(workDir, 'demo.db')}`,
    workDir,
    env: { SEED_DEMO_DATA: 'true' },
    ...(profile ? { cpuProfileDir: workDir } : {}),
  });
  const recommendationBody = JSON.stringify({ user_id: user, algorithm });
  const recommend = () => ({
    ...getRequest('/v1/recommendations'),
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: recommendationBody,
  });
  let bare: BareServer | undefined;
  try {
    // The demo's first models train on start-up; measuring beside that would measure training.
    while (!(await service.request<{ model_loaded?: boolean }>('GET', '/health')).body.model_loaded)
      await new Promise((done) => setTimeout(done, 200));
    await service.waitForTrainingIdle(600_000);
    const health = await fetch(`${service.baseUrl}/health`).then((r) => r.text());
    const answer = await fetch(`${service.baseUrl}/v1/recommendations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: recommendationBody,
    }).then((r) => r.text());
    bare = await BareServer.start(workDir, 'http-cpu', health);
    const barePath = bare.serve('recommendations', answer);
    const bareServer = bare;
    const targets: Target[] = [
      { name: 'service /health', pid: () => service.pid, url: service.baseUrl, request: () => getRequest('/health') },
      {
        name: 'bare /health',
        pid: () => bareServer.pid,
        url: bareServer.baseUrl,
        request: () => getRequest('/health'),
      },
      { name: 'service recommendations', pid: () => service.pid, url: service.baseUrl, request: recommend },
      {
        name: 'bare recommendations',
        pid: () => bareServer.pid,
        url: bareServer.baseUrl,
        request: () => getRequest(barePath),
      },
    ];
    const profileFrom = performance.now() - service.spawnedAt;
    const samples = new Map<string, Sample[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < rounds; round++)
      for (const target of targets) samples.get(target.name)?.push(await measure(target, seconds, connections));

    console.log(`node dist/bench/http-cpu.js ${process.argv.slice(2).join(' ')}`.trimEnd());
    console.log(
      `${algorithm} for ${user}: ${answer.length} bytes; ${rounds} interleaved rounds of ${seconds} s at ${connections} connections`,
    );
    console.log('| target | CPU µs per request (median) | req/s (median) | p99 ms (median) |');
    console.log('|---|---:|---:|---:|');
    const cpu = (name: string) => median((samples.get(name) ?? []).map((s) => s.cpuMicrosPerRequest));
    for (const { name } of targets) {
      const taken = samples.get(name) ?? [];
      console.log(
        `| ${name} | ${cpu(name).toFixed(0)} | ${median(taken.map((s) => s.load.requestsPerSecond)).toFixed(0)} | ${median(taken.map((s) => s.load.latencyMs.p99)).toFixed(1)} |`,
      );
    }
    const rate = (name: string) => median((samples.get(name) ?? []).map((s) => s.load.requestsPerSecond));
    for (const kind of ['/health', 'recommendations']) {
      const byCpu = (100 * cpu(`bare ${kind}`)) / cpu(`service ${kind}`);
      const byRate = (100 * rate(`service ${kind}`)) / rate(`bare ${kind}`);
      console.log(
        `${kind}: ${byCpu.toFixed(1)}% of the bare server by CPU per request, ${byRate.toFixed(1)}% by req/s`,
      );
    }
    if (profile) {
      const until = performance.now() - service.spawnedAt;
      await service.stop();
      const file = mainThreadProfile(workDir);
      if (file) {
        const summary = summariseProfile('service', file, profileFrom, until);
        console.log(`busy ${summary.busyMs.toFixed(0)} ms; by area:`);
        for (const entry of summary.byArea.slice(0, 15)) console.log(`  ${entry.percent.toFixed(1)}%  ${entry.name}`);
        console.log('self:');
        for (const entry of summary.self.slice(0, 30)) console.log(`  ${entry.percent.toFixed(1)}%  ${entry.name}`);
        console.log('inclusive (service code):');
        for (const entry of summary.inclusive.slice(0, 30))
          console.log(`  ${entry.percent.toFixed(1)}%  ${entry.name}`);
      }
    }
  } finally {
    await bare?.stop();
    await service.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
