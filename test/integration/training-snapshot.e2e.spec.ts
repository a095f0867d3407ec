import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionsRepository } from '../../src/repositories/interactions.repository';
import { ItemsRepository } from '../../src/repositories/items.repository';
import { readTrainingSnapshot } from '../../src/training/training-data.builder';
import { TrainingPool } from '../../src/training/training-pool';
import { startTestApp, TestApp } from '../support/app';
import { DIALECTS, dialectSkip } from '../support/databases';
import { catalogueFixture, feedbackFixture } from '../support/fixtures';

for (const dialect of DIALECTS) {
  describe(`training snapshot on ${dialect}`, { skip: dialectSkip(dialect), timeout: 600_000 }, () => {
    let t: TestApp;
    let pool: TrainingPool;
    before(async () => {
      t = await startTestApp(dialect, { ENABLED_ALGORITHMS: 'popularity' });
      await t.http.post('/v1/items/batch').send({ items: catalogueFixture() }).expect(200);
      await t.http.post('/v1/feedback/batch').send({ events: feedbackFixture() }).expect(200);
      pool = new TrainingPool();
    });
    after(async () => {
      await pool?.destroy();
      await t?.close();
    });

    it("should read in the worker, over its own connection, exactly what the service's connection reads", async () => {
      const window = { startAt: Date.now() - 86_400_000 };
      const fromWorker = await pool.buildSnapshot({
        database: t.config.database,
        window,
        feedbackWeights: t.config.feedbackWeights,
      });
      const items = t.app.get(ItemsRepository);
      const fromService = await readTrainingSnapshot(
        { items, interactions: t.app.get(InteractionsRepository) },
        window,
        t.config.feedbackWeights,
      );
      assert.equal(fromWorker.samples, feedbackFixture().length);
      assert.deepEqual(fromWorker, fromService);
    });
  });
}
