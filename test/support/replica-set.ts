import { freePort, ServerProcess, spawnServer, waitUntilOk } from './server-process';

/** Boot to a listening port can take a while when the machine is shared; readiness is waited for separately. */
const LIVE_TIMEOUT_MS = 120_000;
const READY_TIMEOUT_MS = 120_000;

/**
 * The replicas of one Deployment: server processes on one database, each on its own port, all with
 * the same environment unless a start says otherwise. Replicas leave the set when they are
 * stopped or killed, so `urls()` is what a Service would have as endpoints.
 */
export class ReplicaSet {
  private readonly running: ServerProcess[] = [];

  constructor(private readonly env: Record<string, string>) {}

  get replicas(): readonly ServerProcess[] {
    return this.running;
  }

  urls(): string[] {
    return this.running.map((replica) => replica.url);
  }

  /** Spawns one more replica (the set's environment plus `env`) and resolves once it is live: /health answers. */
  async start(env: Record<string, string> = {}): Promise<ServerProcess> {
    const replica = spawnServer({ ...this.env, ...env }, await freePort());
    this.running.push(replica);
    await waitUntilOk(replica, '/health', LIVE_TIMEOUT_MS);
    return replica;
  }

  /** Waits until the replica's readiness answers 200, as a readiness probe would before the first request. */
  async waitUntilReady(replica: ServerProcess, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    await waitUntilOk(replica, '/health/ready', timeoutMs);
  }

  /** SIGTERM; resolves with the exit code. */
  stop(replica: ServerProcess): Promise<number | null> {
    this.remove(replica);
    return replica.stop();
  }

  kill(replica: ServerProcess): Promise<void> {
    this.remove(replica);
    return replica.kill();
  }

  /**
   * One step of a rolling update: the successor starts and becomes ready before `old` gets SIGTERM.
   * Resolves once `old` has exited, with the successor and `old`'s exit code.
   */
  async replace(
    old: ServerProcess,
    env: Record<string, string> = {},
  ): Promise<{ successor: ServerProcess; exitCode: number | null }> {
    const successor = await this.start(env);
    await this.waitUntilReady(successor);
    return { successor, exitCode: await this.stop(old) };
  }

  /** SIGTERM to every replica at once; resolves with their exit codes. */
  stopAll(): Promise<(number | null)[]> {
    return Promise.all([...this.running].map((replica) => this.stop(replica)));
  }

  /** For after(): whatever a failed test left running goes at once. */
  async killAll(): Promise<void> {
    await Promise.all([...this.running].map((replica) => this.kill(replica)));
  }

  private remove(replica: ServerProcess): void {
    const at = this.running.indexOf(replica);
    if (at >= 0) this.running.splice(at, 1);
  }
}
