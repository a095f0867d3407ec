import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestAppBehindProxy, TestAppBehindProxy } from '../support/app';
import { dialectSkip } from '../support/databases';
import { catalogueFixture, feedbackFixture } from '../support/fixtures';

/**
 * The database goes away under a running service: recommendations keep coming from memory,
 * writes fail fast with 503 and store nothing, readiness stays green (the models in memory can
 * still serve) while reporting the database down, and everything recovers by itself when the
 * database is back.
 */
describe('a database outage on mysql', { skip: dialectSkip('mysql'), timeout: 600_000 }, () => {
  let t: TestAppBehindProxy;

  before(async () => {
    t = await startTestAppBehindProxy({ ENABLED_ALGORITHMS: 'popularity,item_knn,hybrid' });
    await t.http.post('/v1/items/batch').send({ items: catalogueFixture() }).expect(200);
    await t.http.post('/v1/feedback/batch').send({ events: feedbackFixture() }).expect(200);
    await t.http.post('/v1/model/retrain').send({}).expect(200);
  });
  after(async () => t?.close());

  it('should serve from memory, refuse writes fast, stay ready, and recover', async () => {
    const healthy = (await t.http.post('/v1/recommendations').send({ user_id: 'fan_2', limit: 5 }).expect(200)).body;
    await t.proxy.cut();

    // A different limit misses the result cache, so this really is computed during the outage.
    const during = (await t.http.post('/v1/recommendations').send({ user_id: 'fan_2', limit: 4 }).expect(200)).body;
    assert.deepEqual(
      during.recommendations.map((r: { event_id: string }) => r.event_id),
      healthy.recommendations.slice(0, 4).map((r: { event_id: string }) => r.event_id),
    );
    assert.match(during.fallback, /database unavailable/);

    const started = Date.now();
    const write = await t.http
      .post('/v1/feedback')
      .send({ user_id: 'fan_2', event_id: 'techno_9', action: 'hide' })
      .expect(503);
    assert.ok(Date.now() - started < 3000, `503 took ${Date.now() - started} ms`);
    assert.match(write.body.detail, /database unavailable/);
    // Concurrent writes share one transaction attempt: all of them are refused as fast as one.
    const concurrentStart = Date.now();
    const concurrent = await Promise.all(
      ['techno_1', 'techno_2', 'techno_3', 'techno_4'].map((item) =>
        t.http.post('/v1/feedback').send({ user_id: 'fan_2', event_id: item, action: 'hide' }),
      ),
    );
    assert.deepEqual(
      concurrent.map((response) => response.status),
      [503, 503, 503, 503],
    );
    assert.ok(Date.now() - concurrentStart < 3000, `concurrent 503s took ${Date.now() - concurrentStart} ms`);
    const ready = (await t.http.get('/health/ready').expect(200)).body;
    assert.equal(ready.details.database.status, 'degraded', JSON.stringify(ready));
    assert.match(ready.details.database.message, /database unreachable/);
    assert.ok(Object.keys(ready.details.model.versions).length > 0, JSON.stringify(ready));
    await t.http.get('/health').expect(200);

    await t.proxy.start();
    let reachable = false;
    for (let attempt = 0; attempt < 50 && !reachable; attempt++) {
      reachable = (await t.http.get('/health/ready')).body.details?.database.status === 'up';
      if (!reachable) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(reachable, 'readiness never reported the database back');
    await t.http.post('/v1/feedback').send({ user_id: 'fan_2', event_id: 'techno_9', action: 'hide' }).expect(200);
    const history = (await t.http.get('/v1/users/fan_2/feedback').expect(200)).body;
    assert.equal(
      history.feedback.filter((f: { action: string }) => f.action === 'hide').length,
      1,
      'the refused write must not have been stored',
    );
  });
});
