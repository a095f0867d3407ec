import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, TestApp } from '../support/app';

/**
 * On SQLite, committed pages reach the database file through the background checkpointer, well
 * before the connection's own backstop (a WAL of 10,000 pages) would copy them on the event loop.
 */
describe('WAL checkpoints on SQLite', { timeout: 600_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite');
  });
  after(async () => t?.close());

  it('should copy committed feedback into the database file without waiting for the backstop', async () => {
    const filename = (t.config.database as { filename: string }).filename;
    const before = statSync(filename).size;
    for (let batch = 0; batch < 3; batch++) {
      const events = Array.from({ length: 1000 }, (_, i) => ({
        user_id: `wal_user_${i % 97}`,
        event_id: `wal_item_${(batch * 1000 + i) % 400}`,
        action: 'click',
      }));
      await t.http.post('/v1/feedback/batch').send({ events }).expect(200);
    }
    const walPages = statSync(`${filename}-wal`).size / 4096;
    assert.ok(walPages < 10_000, `the WAL (${walPages} pages) reached the backstop, so this test would prove nothing`);
    let grown = false;
    for (let attempt = 0; attempt < 40 && !grown; attempt++) {
      grown = statSync(filename).size > before;
      if (!grown) await sleep(50);
    }
    assert.ok(grown, `the database file stayed at ${before} bytes: nothing was checkpointed`);
  });
});
