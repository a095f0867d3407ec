import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnServer, waitUntilModelLoaded } from '../support/server-process';

/** The real server (`dist/src/main.js`) in its own process, on a fresh SQLite file. */
export interface Service {
  url: string;
  /** GET/POST/… on the service; throws with the body unless the status is 2xx. */
  json<T>(path: string, init?: { method?: string; body?: unknown; token?: string }): Promise<T>;
  stop(): Promise<void>;
}

/** Starts the service with the demo data and waits until its first model serves (/health). */
export async function startService(env: Record<string, string> = {}): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'ml-service-dashboard-'));
  const server = spawnServer(
    { DATABASE_URL: `sqlite:${join(dir, 'service.sqlite')}`, SEED_DEMO_DATA: 'true', ...env },
    await freePort(),
  );

  const json = async <T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    const response = await fetch(`${server.url}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  };
  const stop = async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilModelLoaded(server);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: server.url, json, stop };
}
