import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const MAIN = resolve(__dirname, '../../src/main.js');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Everything the process wrote to stdout and stderr so far, line by line. */
  output(): string[];
  /** Resolves with the exit code once the process has exited (null when a signal ended it). */
  exited: Promise<number | null>;
  /**
   * SIGTERM, as Kubernetes sends before removing a pod, then the exit code. A process still there
   * after `timeoutMs` is killed and the promise rejects with what it printed last.
   */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL, as a node failure or the OOM killer would; resolves once the process is gone. */
  kill(): Promise<void>;
}

/** A port nothing listens on right now: bind to 0, read it, release it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** What the benchmark runs differently from the tests; the tests need none of it. */
export interface SpawnOptions {
  /** Another build's main.js, e.g. a patched copy measured before the change is made. */
  main?: string;
  /** Node flags before the script, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Replaces the inherited environment and the test defaults, so only what is given is set. */
  baseEnv?: Record<string, string>;
  /** Appends the output to this file instead of keeping it in memory, for long runs. */
  logFile?: string;
}

/** Runs `dist/src/main.js` as its own process, as `npm start` and the container do. */
export function spawnServer(env: Record<string, string>, port: number, options: SpawnOptions = {}): ServerProcess {
  const log = options.logFile === undefined ? 'pipe' : openSync(options.logFile, 'a');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.main ?? MAIN], {
    env: {
      ...(options.baseEnv ?? { ...process.env, SEED_DEMO_DATA: 'false', LOG_LEVEL: 'error' }),
      ...env,
      SERVICE_PORT: String(port),
    },
    stdio: ['ignore', log, log],
  });
  if (typeof log === 'number') closeSync(log);
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const output = () =>
    (options.logFile === undefined ? text : readLog(options.logFile)).split('\n').filter((line) => line !== '');
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async (timeoutMs = 60_000) => {
    if (running()) child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), timeoutMs)));
    const code = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (code !== 'timeout') return code;
    child.kill('SIGKILL');
    await exited;
    throw new Error(
      `port ${port}: still running ${timeoutMs} ms after SIGTERM; output:\n${output().slice(-20).join('\n')}`,
    );
  };
  const kill = async () => {
    if (running()) child.kill('SIGKILL');
    await exited;
  };
  return { child, port, url: `http://127.0.0.1:${port}`, output, exited, stop, kill };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Waits until `path` answers 200, or kills the process and fails with its last answer and output. */
export async function waitUntilOk(server: ServerProcess, path: string, timeoutMs?: number): Promise<void> {
  let lastAnswer = 'no answer';
  const answersOk = async () => {
    const response = await fetch(`${server.url}${path}`);
    if (!response.ok) lastAnswer = `${response.status} ${await response.text()}`;
    return response.ok;
  };
  await waitFor(server, () => `${path} never answered 200 (last: ${lastAnswer})`, answersOk, timeoutMs);
}

/** Waits until `/health` reports a loaded model (readiness does not wait for one). */
export async function waitUntilModelLoaded(server: ServerProcess, timeoutMs?: number): Promise<void> {
  await waitFor(
    server,
    () => 'no model was loaded',
    async () => ((await (await fetch(`${server.url}/health`)).json()) as { model_loaded: boolean }).model_loaded,
    timeoutMs,
  );
}

async function waitFor(
  server: ServerProcess,
  failure: () => string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) break;
    try {
      if (await check()) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  server.child.kill('SIGKILL');
  throw new Error(`port ${server.port}: ${failure()}; output:\n${server.output().slice(-20).join('\n')}`);
}
