import { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, ServerProcess as SpawnedServer, spawnServer, waitUntilOk } from '../test/support/server-process';

/**
 * dist/bench → dist/src/main.js, the production build the service runs as. BENCH_SERVER_MAIN
 * points at another build instead (a patched copy, to measure a proposed change before making it).
 */
const MAIN = process.env.BENCH_SERVER_MAIN ?? resolve(__dirname, '..', 'src', 'main.js');
/** Preloaded into profiled servers: exit normally on SIGTERM, which is when --cpu-prof writes its file. */
const PROFILE_EXIT_HOOK = resolve(__dirname, 'profile-exit-hook.js');

export interface ServerOptions {
  label: string;
  databaseUrl: string;
  /** Where the server's log goes (and its CPU profile, when profiling). */
  workDir: string;
  /** Extra environment on top of the benchmark defaults, e.g. CACHE_TTL_SECONDS. */
  env?: Record<string, string>;
  cpuProfileDir?: string;
  /** How long /health may take to answer at start; large databases take longer. */
  startTimeoutMs?: number;
}

export interface RetrainOutcome {
  algorithm: string;
  status: string;
  /** From the request until the new version is active (snapshot, worker, storing, loading). */
  wallSeconds: number;
  /** The service's own training_duration_seconds: the worker plus storing the artifact. */
  serviceSeconds: number | null;
  /** Highest resident set of the server process (all threads) sampled during the run. */
  peakRssMb: number;
  samples: number;
  error: string | null;
  /** The version string responses carry as model_version once it is served. */
  version: string | null;
}

interface ModelVersionBody {
  id: number;
  version: string;
  status: string;
  algorithm: string;
  training_duration_seconds: number | null;
  training_samples: number;
  error: string | null;
  reason: string | null;
}

const TERMINAL = new Set(['active', 'rejected', 'failed', 'archived']);

/** The whole environment of a benchmarked server: nothing is inherited from the shell. */
const BENCH_ENV: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  ENVIRONMENT: 'production',
  // The load is anonymous; production requires authentication unless told otherwise.
  AUTH_REQUIRED: 'false',
  SEED_DEMO_DATA: 'false',
  LOG_LEVEL: 'warn',
  CACHE_TTL_SECONDS: '0',
  // One load generator is one caller: the per-caller limit stays on (its cost is part of every
  // request) but high enough never to answer 429.
  RATE_LIMIT_PER_MINUTE: '1000000',
  // The load carries one X-Forwarded-For address per simulated user (see clientAddress).
  TRUST_PROXY: '1',
  // Production waits before closing so load balancers drain; a benchmark has none.
  SHUTDOWN_DELAY_MS: '0',
  // The nightly retrain must not start in the middle of a measurement (the default is 02:00).
  RETRAIN_CRON: '0 0 1 1 *',
};

/** The service in its own process, on its own port, with the benchmark's environment. */
export class ServerProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  /** performance.now() when the process was spawned: a CPU profile's clock starts about then. */
  readonly spawnedAt = performance.now();

  private constructor(
    readonly label: string,
    readonly baseUrl: string,
    spawned: SpawnedServer,
    readonly logFile: string,
  ) {
    this.child = spawned.child;
    this.exited = spawned.exited;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Starts `node dist/src/main.js` and resolves once GET /health answers. */
  static async start(options: ServerOptions): Promise<ServerProcess> {
    const logFile = join(options.workDir, `${options.label}.log`);
    const spawned = spawnServer(
      {
        DATABASE_URL: options.databaseUrl,
        ...options.env,
      },
      await freePort(),
      {
        main: MAIN,
        nodeArgs: options.cpuProfileDir
          ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, '--require', PROFILE_EXIT_HOOK]
          : [],
        baseEnv: BENCH_ENV,
        logFile,
      },
    );
    const server = new ServerProcess(options.label, spawned.url, spawned, logFile);
    try {
      await waitUntilOk(spawned, '/health', options.startTimeoutMs ?? 180_000);
    } catch (error) {
      throw new Error(`${options.label}: ${(error as Error).message}`, { cause: error });
    }
    return server;
  }

  /** Whether the process is still there and, if not, how it ended. */
  describeExit(): string {
    const { exitCode, signalCode } = this.child;
    if (exitCode === null && signalCode === null) return `server pid ${this.pid} still running`;
    return `server pid ${this.pid} ended with ${signalCode ? `signal ${signalCode}` : `exit code ${exitCode}`}`;
  }

  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /**
   * One JSON request. GETs are retried on network errors: a kept-alive socket the server closes
   * just as the next poll reuses it fails with "other side closed", more often while the event
   * loop is busy building a training snapshot.
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const attempts = method === 'GET' ? 3 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
      } catch (error) {
        const cause = (error as { cause?: Error }).cause;
        const reason = `${(error as Error).message}${cause ? `: ${cause.message}` : ''}`;
        if (attempt < attempts && this.child.exitCode === null && this.child.signalCode === null) {
          await sleep(100);
          continue;
        }
        throw new Error(
          `${this.label}: ${method} ${path} failed (${reason}); ${this.describeExit()}\n${this.logTail()}`,
          { cause: error },
        );
      }
    }
  }

  /** Waits for runs the service started by itself (the first model on an untrained database). */
  async waitForTrainingIdle(timeoutMs = 1_800_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { body } = await this.request<{ total: number }>('GET', '/v1/models?status=training&limit=1');
      const candidates = await this.request<{ total: number }>('GET', '/v1/models?status=candidate&limit=1');
      if (body.total === 0 && candidates.body.total === 0) return;
      await sleep(500);
    }
    throw new Error(`${this.label}: training still running after ${timeoutMs / 1000} s`);
  }

  /**
   * Starts a retrain of one algorithm (async API, force so the gate cannot reject it) and returns
   * its version id at once; `settled` resolves when the version is active or has failed.
   */
  async startRetrain(algorithm: string): Promise<{ id: number; settled: Promise<RetrainOutcome> }> {
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      const { status, body } = await this.request<{ model_ids?: number[]; detail?: string }>(
        'POST',
        '/v1/model/retrain?async=true',
        { algorithm, force: true },
      );
      if (status === 202 && body.model_ids?.length) {
        const id = body.model_ids[0];
        return { id, settled: this.followRetrain(algorithm, id, started) };
      }
      // 409: the previous run is still releasing its lease.
      if (status !== 409 || attempt >= 50)
        throw new Error(`${this.label}: retrain ${algorithm} answered ${status}: ${JSON.stringify(body)}`);
      await sleep(200);
    }
  }

  async retrain(algorithm: string): Promise<RetrainOutcome> {
    return (await this.startRetrain(algorithm)).settled;
  }

  private async followRetrain(algorithm: string, id: number, started: number): Promise<RetrainOutcome> {
    let peakKb = 0;
    let samples = 0;
    for (;;) {
      peakKb = Math.max(peakKb, this.memory().rssKb);
      samples++;
      const { body } = await this.request<ModelVersionBody>('GET', `/v1/models/${id}`);
      if (TERMINAL.has(body.status)) {
        return {
          algorithm,
          status: body.status,
          wallSeconds: (performance.now() - started) / 1000,
          serviceSeconds: body.training_duration_seconds,
          peakRssMb: Math.max(peakKb, this.memory().rssKb) / 1024,
          samples,
          error: body.error ?? body.reason,
          version: body.version ?? null,
        };
      }
      await sleep(200);
    }
  }

  /**
   * Waits until this process serves `version` of `algorithm`: a replica that did not train it
   * loads it on its next model sync.
   */
  async waitForServedVersion(algorithm: string, version: string, userId: string, timeoutMs = 300_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { body } = await this.request<{ model_version?: string }>('POST', '/v1/recommendations', {
        user_id: userId,
        limit: 1,
        algorithm,
      });
      if (body.model_version === version) return;
      await sleep(200);
    }
    throw new Error(`${this.label}: ${algorithm} ${version} not served after ${timeoutMs / 1000} s`);
  }

  /** Resident set now and its high-water mark, from /proc (Linux). */
  memory(): { rssKb: number; hwmKb: number } {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
      return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
    } catch {
      return { rssKb: 0, hwmKb: 0 };
    }
  }

  /** SIGTERM, then SIGKILL if the process has not gone within the grace period. */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    // Cancelled once the race is decided, or the pending timer would hold the benchmark open.
    const grace = new AbortController();
    const timeout = sleep(graceMs, 'timeout' as const, { signal: grace.signal }).catch(() => 'cancelled' as const);
    const stopped = await Promise.race([this.exited, timeout]);
    grace.abort();
    if (stopped === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
