import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ShutdownState } from '../../src/common/shutdown-state';
import { startTestApp, startTestAppBehindProxy, TestApp, TestAppBehindProxy } from '../support/app';
import { DIALECTS, dialectSkip } from '../support/databases';

/**
 * Readiness means "can serve now": a new install, which has no feedback and so no model, must get
 * traffic, or feedback never arrives and no model is ever trained.
 */
for (const dialect of DIALECTS) {
  describe(`readiness on ${dialect}`, { skip: dialectSkip(dialect), timeout: 600_000 }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect);
    });
    after(async () => t?.close());

    it('should be ready on an empty install, reporting that no model is loaded yet', async () => {
      for (const path of ['/health/ready', '/ready']) {
        const { body } = await t.http.get(path).expect(200);
        assert.equal(body.details.database.status, 'up');
        assert.deepEqual(body.details.model.versions, {}, JSON.stringify(body));
        assert.match(body.details.model.message, /no model loaded yet/);
      }
      // What it is ready for: cold-start answers.
      const { body } = await t.http.post('/v1/recommendations').send({ user_id: 'newcomer', limit: 5 }).expect(200);
      assert.ok(Array.isArray(body.recommendations));
    });

    it('should turn unready once draining, while still serving', async () => {
      t.app.get(ShutdownState).beginDraining();
      assert.equal((await t.http.get('/health/ready').expect(503)).body.detail, 'shutting down');
      await t.http.get('/ready').expect(503);
      await t.http.post('/v1/recommendations').send({ user_id: 'newcomer', limit: 5 }).expect(200);
    });
  });
}

describe(
  'readiness with the database down and no model on mysql',
  { skip: dialectSkip('mysql'), timeout: 600_000 },
  () => {
    let t: TestAppBehindProxy;
    before(async () => {
      t = await startTestAppBehindProxy();
    });
    after(async () => t?.close());

    it('should be unready: there is nothing to serve from', async () => {
      await t.http.get('/health/ready').expect(200);
      await t.proxy.cut();
      const { body } = await t.http.get('/health/ready').expect(503);
      assert.equal(body.detail, 'not ready');
      assert.equal(body.details.database.status, 'down');
      assert.deepEqual(body.details.model.versions, {});
    });
  },
);
