import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReplica, startTestApp, TestApp } from '../support/app';
import { DIALECTS, dialectSkip } from '../support/databases';
import { catalogueFixture, feedbackFixture } from '../support/fixtures';

async function recommendedIds(t: TestApp, userId: string): Promise<string[]> {
  const { body } = await t.http
    .get(`/v1/recommendations/${userId}`)
    .query({ limit: 10, algorithm: 'item_knn' })
    .expect(200);
  return body.recommendations.map((r: { event_id: string }) => r.event_id);
}

/** "Never a deleted item" across replicas: a delete through one replica reaches the others' memory and caches. */
for (const dialect of DIALECTS) {
  describe(`catalogue changes across replicas on ${dialect}`, { skip: dialectSkip(dialect), timeout: 120_000 }, () => {
    let a: TestApp;
    let b: TestApp;
    before(async () => {
      a = await startTestApp(dialect, { ENABLED_ALGORITHMS: 'popularity,item_knn,hybrid' });
      await a.http.post('/v1/items/batch').send({ items: catalogueFixture() }).expect(200);
      await a.http.post('/v1/feedback/batch').send({ events: feedbackFixture() }).expect(200);
      await a.http.post('/v1/model/retrain').send({}).expect(200);
      b = await startReplica(a.config);
    });
    after(async () => {
      await b?.close();
      await a?.close();
    });

    it('should stop recommending an item deleted through another replica within a few seconds', async () => {
      const before = await recommendedIds(b, 'fan_2');
      assert.ok(before.length > 0, 'replica b recommends something');
      const deleted = before[0];
      await a.http.delete(`/v1/items/${deleted}`).expect(204);

      // Cached on b before the delete; bounded poll, not a fixed sleep.
      const deadline = Date.now() + 10_000;
      let ids = await recommendedIds(b, 'fan_2');
      while (ids.includes(deleted) && Date.now() < deadline) {
        await sleep(200);
        ids = await recommendedIds(b, 'fan_2');
      }
      assert.ok(ids.length > 0);
      assert.ok(!ids.includes(deleted), `replica b still recommends ${deleted}, deleted through replica a`);
    });
  });
}
