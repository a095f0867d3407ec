import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, ServerProcess as SpawnedServer, spawnServer, waitUntilOk } from '../test/support/server-process';

const BARE_MAIN = resolve(__dirname, 'bare-server.js');

/**
 * The bare `node:http` server (bare-server.ts) in its own process: every serving figure is also
 * given as a share of what this hands out for the same bytes on the same machine in the same run.
 */
export class BareServer {
  private constructor(
    private readonly spawned: SpawnedServer,
    private readonly bodiesDir: string,
  ) {}

  get pid(): number {
    return this.spawned.child.pid ?? -1;
  }

  get baseUrl(): string {
    return this.spawned.url;
  }

  /** Serves `/health` with the given bytes (the service's own /health answer). */
  static async start(workDir: string, label: string, healthBody: string): Promise<BareServer> {
    const bodiesDir = join(workDir, `bare-${label}`);
    mkdirSync(bodiesDir, { recursive: true });
    writeFileSync(join(bodiesDir, 'health'), healthBody);
    const spawned = spawnServer({ BARE_BODIES_DIR: bodiesDir }, await freePort(), {
      main: BARE_MAIN,
      baseEnv: { PATH: process.env.PATH ?? '' },
      logFile: join(workDir, `bare-${label}.log`),
    });
    await waitUntilOk(spawned, '/health', 30_000);
    return new BareServer(spawned, bodiesDir);
  }

  /** Makes `/<name>` answer these bytes; returns the path to request. */
  serve(name: string, body: string): string {
    writeFileSync(join(this.bodiesDir, name), body);
    return `/${name}`;
  }

  async stop(): Promise<void> {
    await this.spawned.stop();
  }
}
