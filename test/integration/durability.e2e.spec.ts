import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import knex from 'knex';

const MAIN = resolve(__dirname, '../../src/main.js');

/** Starts the real server as its own process, as `npm start` does. */
async function startServer(databaseUrl: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATABASE_URL: databaseUrl, SERVICE_PORT: String(port), SEED_DEMO_DATA: 'false', LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill('SIGKILL');
  throw new Error('server did not start');
}

describe('acknowledged feedback survives kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ml-service-durability-'));
  const databaseUrl = `sqlite:${join(dir, 'service.sqlite')}`;
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('should keep every event it answered 200 for', async () => {
    const port = 4600 + Math.floor(Math.random() * 300);
    const server = await startServer(databaseUrl, port);
    const acknowledged: string[] = [];
    let sending = true;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let n = 0; sending; n++) {
        const feedbackId = `w${w}_${n}`;
        try {
          const response = await fetch(`http://127.0.0.1:${port}/v1/feedback/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ events: [{ feedback_id: feedbackId, user_id: `u${w}`, event_id: `e${n % 50}`, action: 'click' }] }),
          });
          if (response.status === 200) acknowledged.push(feedbackId);
        } catch {
          return; // the server is gone
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    server.kill('SIGKILL');
    sending = false;
    await Promise.all(writers);
    assert.ok(acknowledged.length > 50, `only ${acknowledged.length} writes were acknowledged before the kill`);

    const db = knex({ client: 'better-sqlite3', connection: { filename: databaseUrl.slice('sqlite:'.length) }, useNullAsDefault: true });
    try {
      const stored = new Set((await db('interactions').select('feedback_id')).map((r: { feedback_id: string }) => r.feedback_id));
      const lost = acknowledged.filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged events were lost`);
    } finally {
      await db.destroy();
    }
  });
});
