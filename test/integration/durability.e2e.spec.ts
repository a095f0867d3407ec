import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex from 'knex';
import { freePort, spawnServer, waitUntilOk } from '../support/server-process';

describe('acknowledged feedback survives kill -9', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ml-service-durability-'));
  const databaseUrl = `sqlite:${join(dir, 'service.sqlite')}`;
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('should keep every event it answered 200 for', async () => {
    const server = spawnServer({ DATABASE_URL: databaseUrl }, await freePort());
    await waitUntilOk(server, '/health');
    const port = server.port;
    const acknowledged: string[] = [];
    let sending = true;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let n = 0; sending; n++) {
        const feedbackId = `w${w}_${n}`;
        try {
          const response = await fetch(`http://127.0.0.1:${port}/v1/feedback/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              events: [{ feedback_id: feedbackId, user_id: `u${w}`, event_id: `e${n % 50}`, action: 'click' }],
            }),
          });
          if (response.status === 200) acknowledged.push(feedbackId);
        } catch {
          return; // the server is gone
        }
      }
    });
    // Killed once enough writes are acknowledged, however slow the machine is today.
    const deadline = Date.now() + 60_000;
    while (acknowledged.length <= 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    server.child.kill('SIGKILL');
    sending = false;
    await Promise.all(writers);
    assert.ok(acknowledged.length > 50, `only ${acknowledged.length} writes were acknowledged before the kill`);

    const db = knex({
      client: 'better-sqlite3',
      connection: { filename: databaseUrl.slice('sqlite:'.length) },
      useNullAsDefault: true,
    });
    try {
      const stored = new Set(
        (await db('interactions').select('feedback_id')).map((r: { feedback_id: string }) => r.feedback_id),
      );
      const lost = acknowledged.filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged events were lost`);
    } finally {
      await db.destroy();
    }
  });
});
