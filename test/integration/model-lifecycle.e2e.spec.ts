import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictException } from '@nestjs/common';
import { Knex } from 'knex';
import { KNEX } from '../../src/database/database';
import { TrainingRun, TrainingService } from '../../src/training/training.service';
import { startReplica, startTestApp, TestApp } from '../support/app';
import { DIALECTS, dialectSkip } from '../support/databases';
import { catalogueFixture, feedbackFixture } from '../support/fixtures';

interface Version {
  id: number;
  version: string;
  algorithm: string;
  status: string;
  reason: string | null;
  metrics: Record<string, number> | null;
}

for (const dialect of DIALECTS) {
  describe(`model lifecycle on ${dialect}`, { skip: dialectSkip(dialect), timeout: 600_000 }, () => {
    let t: TestApp;
    let first: Version;
    before(async () => {
      t = await startTestApp(dialect, {
        ENABLED_ALGORITHMS: 'popularity,item_knn',
        DEFAULT_ALGORITHM: 'item_knn',
        MODEL_SYNC_SECONDS: '1',
      });
      await t.http.post('/v1/items/batch').send({ items: catalogueFixture() }).expect(200);
      await t.http.post('/v1/feedback/batch').send({ events: feedbackFixture() }).expect(200);
    });
    after(async () => t?.close());

    const servedVersion = async () =>
      (await t.http.post('/v1/recommendations').send({ user_id: 'fan_1', algorithm: 'item_knn', limit: 3 }).expect(200))
        .body.model_version;
    const activeItemKnn = async (): Promise<Version> =>
      (await t.http.get('/v1/models?algorithm=item_knn&status=active').expect(200)).body.models[0];

    it('should create an active version per algorithm, with metrics and a checksum', async () => {
      const { body } = await t.http.post('/v1/model/retrain').send({}).expect(200);
      assert.equal(body.status, 'success');
      assert.equal(body.model_version, 'v1.0.0');
      assert.deepEqual(body.models.map((m: Version) => [m.algorithm, m.status]).sort(), [
        ['item_knn', 'active'],
        ['popularity', 'active'],
      ]);
      first = await activeItemKnn();
      assert.ok((first.metrics?.ndcg_at_10 ?? 0) > 0);
      const detail = (await t.http.get(`/v1/models/${first.id}`).expect(200)).body;
      assert.match(detail.checksum, /^[0-9a-f]{64}$/);
      assert.ok(detail.training_samples > 200);
      assert.equal(await servedVersion(), 'v1.0.0');
      const info = (await t.http.get('/v1/model/info').expect(200)).body;
      assert.equal(info.model_version, 'v1.0.0');
      assert.equal(info.validation_metrics.ndcg_at_10, first.metrics?.ndcg_at_10);
      // One name for MAP@10 everywhere; /v1/model/info also keeps the contract's `map`.
      const mapAt10 = first.metrics?.map_at_10;
      assert.ok(typeof mapAt10 === 'number' && mapAt10 > 0, JSON.stringify(first.metrics));
      assert.equal(info.validation_metrics.map_at_10, mapAt10);
      assert.equal(info.validation_metrics.map, mapAt10);
      const trained = body.metrics.validation_metrics;
      assert.equal(trained.map, trained.map_at_10);
    });

    it('should reject a deliberately worse candidate and keep serving the active one', async () => {
      const { body } = await t.http
        .post('/v1/model/retrain')
        .send({ algorithm: 'item_knn', params: { min_similarity: 0.999 } })
        .expect(200);
      const candidate: Version = body.models[0];
      assert.equal(candidate.version, 'v1.0.1');
      assert.equal(candidate.status, 'rejected', JSON.stringify(candidate));
      assert.match(candidate.reason ?? '', /NDCG@10 .* below the active v1\.0\.0/);
      assert.equal((await activeItemKnn()).id, first.id);
      assert.equal(await servedVersion(), 'v1.0.0');
    });

    it('should promote a worse candidate when forced, and roll back on activate', async () => {
      const { body } = await t.http
        .post('/v1/model/retrain')
        .send({ algorithm: 'item_knn', params: { min_similarity: 0.999 }, force: true })
        .expect(200);
      assert.equal(body.models[0].status, 'active');
      assert.equal(await servedVersion(), 'v1.0.2');
      const rolledBack = (await t.http.post(`/v1/models/${first.id}/activate`).expect(200)).body;
      assert.equal(rolledBack.status, 'active');
      assert.equal(await servedVersion(), 'v1.0.0');
      const replaced = body.models[0].id;
      assert.equal((await t.http.get(`/v1/models/${replaced}`).expect(200)).body.status, 'superseded');
      const superseded = (await t.http.get('/v1/models?algorithm=item_knn&status=superseded').expect(200)).body;
      assert.deepEqual(
        superseded.models.map((m: Version) => m.id),
        [replaced],
      );

      // A superseded version can serve again, and the one it replaces is superseded in turn.
      assert.equal((await t.http.post(`/v1/models/${replaced}/activate`).expect(200)).body.status, 'active');
      assert.equal(await servedVersion(), 'v1.0.2');
      assert.equal((await t.http.get(`/v1/models/${first.id}`).expect(200)).body.status, 'superseded');
      await t.http.post(`/v1/models/${first.id}/activate`).expect(200);
      assert.equal(await servedVersion(), 'v1.0.0');
    });

    it('should migrate stored candidates that were once active to superseded, and leave the others', async () => {
      const db = t.app.get<Knex>(KNEX);
      const migration = { name: '20261201000000_superseded_model_status.js' };
      await db.migrate.down(migration);
      const insert = async (version: string, activatedAt: number | null) =>
        Number(
          (
            await db('model_versions').insert({
              version,
              algorithm: 'ease',
              params: '{}',
              status: 'candidate',
              created_at: Date.now(),
              activated_at: activatedAt,
            })
          )[0],
        );
      const onceActive = await insert('v8.0.0', Date.now() - 60_000);
      const neverActive = await insert('v8.0.1', null);
      await db.migrate.up(migration);
      assert.equal((await t.http.get(`/v1/models/${onceActive}`).expect(200)).body.status, 'superseded');
      assert.equal((await t.http.get(`/v1/models/${neverActive}`).expect(200)).body.status, 'candidate');
      await db('model_versions').whereIn('id', [onceActive, neverActive]).delete();
    });

    it('should refuse a corrupted artifact with a clear error and keep serving', async () => {
      const rejected = (await t.http.get('/v1/models?algorithm=item_knn&status=rejected').expect(200)).body
        .models[0] as Version;
      const db = t.app.get<Knex>(KNEX);
      await db('model_artifact_chunks')
        .where({ model_id: rejected.id, seq: 0 })
        .update({ data: Buffer.from('not the model you are looking for') });
      const { body } = await t.http.post(`/v1/models/${rejected.id}/activate`).expect(422);
      assert.match(body.detail, /does not match its checksum/);
      assert.equal((await activeItemKnn()).id, first.id);
      assert.equal(await servedVersion(), 'v1.0.0');
      await t.http.post('/v1/models/999999/activate').expect(404);
      assert.match((await t.http.post('/v1/models/abc/activate').expect(400)).body.detail, /id must be an integer/);
    });

    it('should run two concurrent retrains once, answering the second with 409', async () => {
      // In-process rather than two HTTP requests: a popularity run on this fixture takes a few
      // milliseconds, so two requests often do not overlap at all and both rightly succeed.
      const training = t.app.get(TrainingService);
      const results = await Promise.allSettled([
        training.start({ algorithm: 'popularity' }),
        training.start({ algorithm: 'popularity' }),
      ]);
      const started = results.filter((r): r is PromiseFulfilledResult<TrainingRun> => r.status === 'fulfilled');
      const refused = results
        .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        .map((r) => r.reason as unknown);
      assert.equal(started.length, 1);
      assert.equal(refused.length, 1);
      assert.ok(refused[0] instanceof ConflictException);
      assert.equal(refused[0].getStatus(), 409);
      assert.match(JSON.stringify(refused[0].getResponse()), /already under way|another replica/);
      await started[0].value.done;
    });

    it('should read the training snapshot in the worker, not over the service connection', async () => {
      // The service's own connection is on the event loop (synchronous on SQLite): reading the
      // log there held requests for seconds at 2M events. Counts and ids are single rows; events are many.
      const db = t.app.get<Knex>(KNEX);
      let eventRowsOnService = 0;
      const countEventRows = (response: unknown, query: { sql: string }) => {
        const readsEvents = /from [`"]interactions[`"]/i.test(query.sql) && !/\b(count|max)\(/i.test(query.sql);
        if (readsEvents && Array.isArray(response)) eventRowsOnService += response.length;
      };
      db.on('query-response', countEventRows);
      try {
        const { body } = await t.http
          .post('/v1/model/retrain')
          .send({ algorithm: 'item_knn', force: true })
          .expect(200);
        const trained = (await t.http.get(`/v1/models/${body.models[0].id}`).expect(200)).body;
        assert.equal(trained.status, 'active');
        assert.ok(trained.training_samples > 200, `trained on ${trained.training_samples} events`);
      } finally {
        db.off('query-response', countEventRows);
      }
      assert.equal(eventRowsOnService, 0);
    });

    it('should leave training to the replica holding the lease, and have both serve the new version', async () => {
      const db = t.app.get<Knex>(KNEX);
      await db('leases').insert({ name: 'training', holder: 'another-replica', expires_at: Date.now() + 60_000 });
      const blocked = await t.http.post('/v1/model/retrain').send({ algorithm: 'item_knn' }).expect(409);
      assert.match(blocked.body.detail, /another replica is training/);
      await db('leases').where({ name: 'training' }).delete();

      const replica = await startReplica(t.config);
      try {
        const { body } = await t.http
          .post('/v1/model/retrain')
          .send({ algorithm: 'item_knn', force: true })
          .expect(200);
        const version = body.models[0].version;
        assert.equal(await servedVersion(), version);
        await waitFor(
          async () =>
            (await replica.http.post('/v1/recommendations').send({ user_id: 'fan_1', algorithm: 'item_knn' })).body
              .model_version === version,
        );
        assert.equal((await db('leases').where({ name: 'training' })).length, 0, 'the lease is released after the run');
      } finally {
        await replica.close();
      }
    });

    it('should mark a run that a crash interrupted as failed at the next start', async () => {
      const db = t.app.get<Knex>(KNEX);
      const [id] = await db('model_versions').insert({
        version: 'v9.9.9',
        algorithm: 'ease',
        params: '{}',
        status: 'training',
        created_at: Date.now(),
      });
      const replica = await startReplica(t.config);
      await replica.close();
      const { body } = await t.http.get(`/v1/models/${Number(id)}`).expect(200);
      assert.equal(body.status, 'failed');
      assert.match(body.error, /interrupted/);
    });

    it('should reject bad retrain requests with 400', async () => {
      assert.match(
        (await t.http.post('/v1/model/retrain').send({ algorithm: 'nope' }).expect(400)).body.detail,
        /algorithm/,
      );
      assert.match(
        (
          await t.http
            .post('/v1/model/retrain')
            .send({ params: { a: 1 } })
            .expect(400)
        ).body.detail,
        /needs an algorithm/,
      );
      assert.match(
        (
          await t.http
            .post('/v1/model/retrain')
            .send({ start_date: '2026-02-01T00:00:00Z', end_date: '2026-01-01T00:00:00Z' })
            .expect(400)
        ).body.detail,
        /end_date/,
      );
      assert.match((await t.http.get('/v1/models?status=odd').expect(400)).body.detail, /status/);
    });
  });
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
