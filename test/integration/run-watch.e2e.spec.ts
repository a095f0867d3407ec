import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Knex } from 'knex';
import { KNEX } from '../../src/database/database';
import { LeasesRepository } from '../../src/repositories/leases.repository';
import { ModelsRepository } from '../../src/repositories/models.repository';
import { RunWatch } from '../../src/training/run-watch';
import { startTestApp, TestApp } from '../support/app';
import { DIALECTS, dialectSkip } from '../support/databases';

for (const dialect of DIALECTS) {
  describe(`${RunWatch.name} on ${dialect}`, { skip: dialectSkip(dialect), timeout: 600_000 }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect);
    });
    after(async () => t?.close());

    it('should abort the run once renewing has failed for as long as the lease lasts', async () => {
      const db = t.app.get<Knex>(KNEX);
      const leases = t.app.get(LeasesRepository);
      assert.ok(await leases.tryAcquire('watched', 'this-trainer', 1000));
      const watch = new RunWatch(leases, t.app.get(ModelsRepository), {
        lease: 'watched',
        holder: 'this-trainer',
        ttlMs: 1000,
        everyMs: 100,
      });
      watch.start([1]);
      const aborted = new Promise<void>((resolve) => watch.signal(1).addEventListener('abort', () => resolve()));
      // Every renewal now errors, as it would with the database unreachable.
      await db.schema.renameTable('leases', 'leases_unreachable');
      try {
        await Promise.race([
          aborted,
          new Promise((_, reject) => setTimeout(() => reject(new Error('the run was not aborted')), 10_000)),
        ]);
        assert.equal(watch.stopReason(1)?.status, 'failed');
        assert.match(
          watch.stopReason(1)?.message ?? '',
          /^lost the training lease \(could not renew it for 1 s: .*leases.*\); the run was aborted$/,
        );
      } finally {
        watch.stop();
        await db.schema.renameTable('leases_unreachable', 'leases');
      }
    });
  });
}
