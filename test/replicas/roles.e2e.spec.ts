import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { createTestDatabase, databaseUrl, dialectSkip, DIALECTS, TestDatabase } from '../support/databases';
import { demoUserId } from '../support/load-driver';
import { ReplicaSet } from '../support/replica-set';
import { ServerProcess, waitUntilModelLoaded } from '../support/server-process';

/** Two algorithms keep the runs short; item_knn is the one retrained and served. */
const ALGORITHMS = 'popularity,item_knn';

interface ModelList {
  total: number;
  models: { id: number; algorithm: string; version: string; status: string }[];
}

/**
 * The split Deployment: an `api` replica that serves and never trains, and one `trainer` process,
 * on one database. The api replica starts first, on a database it seeds with the demo data: it
 * must not train the first models, the trainer must, and the api replica must pick them up.
 */
for (const dialect of DIALECTS) {
  describe(
    `an api replica and a trainer on one ${dialect} database`,
    { skip: dialectSkip(dialect), timeout: 900_000 },
    () => {
      let database: TestDatabase;
      let replicas: ReplicaSet;
      let api: ServerProcess;
      let trainer: ServerProcess;

      before(
        async () => {
          database = await createTestDatabase(dialect);
          replicas = new ReplicaSet({
            DATABASE_URL: databaseUrl(database.config),
            ENABLED_ALGORITHMS: ALGORITHMS,
            MODEL_SYNC_SECONDS: '1',
            CACHE_TTL_SECONDS: '0',
          });
          api = await replicas.start({ SERVICE_ROLE: 'api', SEED_DEMO_DATA: 'true' });
          await replicas.waitUntilReady(api);
        },
        { timeout: 300_000 },
      );
      after(async () => {
        await replicas?.killAll();
        await database?.drop();
      });

      it('should leave the first models of a seeded database to the trainer', { timeout: 400_000 }, async () => {
        // Ready means booted: had the api replica started a first run, its versions would exist by now.
        const before = (await request(api.url).get('/v1/models').expect(200)).body as ModelList;
        assert.equal(before.total, 0, `the api replica trained: ${JSON.stringify(before.models)}`);

        trainer = await replicas.start({ SERVICE_ROLE: 'trainer', TRAINING_THREADS: '2' });
        await replicas.waitUntilReady(trainer);
        await waitForTrainingIdle(trainer.url);
        const models = (await request(trainer.url).get('/v1/models?status=active').expect(200)).body as ModelList;
        assert.deepEqual(models.models.map((m) => m.algorithm).sort(), ALGORITHMS.split(',').sort());
        await waitUntilModelLoaded(api, 60_000);
      });

      it('should say in health and readiness what each process does', { timeout: 60_000 }, async () => {
        for (const [process, role, trains] of [
          [api, 'api', false],
          [trainer, 'trainer', true],
        ] as const) {
          const health = (await request(process.url).get('/health').expect(200)).body as { role: string };
          assert.equal(health.role, role);
          const ready = (await request(process.url).get('/health/ready').expect(200)).body as {
            details: { role: { role: string; trains: boolean } };
          };
          assert.equal(ready.details.role.role, role);
          assert.equal(ready.details.role.trains, trains);
        }
      });

      it(
        'should refuse a retrain on the api replica with 503 naming the trainer, and start none',
        { timeout: 60_000 },
        async () => {
          for (const path of ['/v1/model/retrain', '/v1/model/retrain?async=true']) {
            const refused = await request(api.url).post(path).send({ algorithm: 'item_knn' }).expect(503);
            assert.match((refused.body as { detail: string }).detail, /SERVICE_ROLE=trainer/);
          }
          const training = (await request(api.url).get('/v1/models?status=training').expect(200)).body as ModelList;
          assert.equal(training.total, 0);
        },
      );

      it('should serve from the api replica the version the trainer trained', { timeout: 400_000 }, async () => {
        const trained = await request(trainer.url)
          .post('/v1/model/retrain')
          .send({ algorithm: 'item_knn', params: { neighbours: 40 }, force: true })
          .expect(200);
        const version = (trained.body as { model_version: string }).model_version;
        const [model] = (trained.body as ModelList).models;
        assert.equal(model.status, 'active', JSON.stringify(trained.body));

        // The api replica loads it at its next sync (MODEL_SYNC_SECONDS=1).
        const ask = { user_id: demoUserId(5), algorithm: 'item_knn', limit: 5 };
        const deadline = Date.now() + 60_000;
        let served = '';
        while (served !== version && Date.now() < deadline) {
          const answer = await request(api.url).post('/v1/recommendations').send(ask).expect(200);
          served = (answer.body as { model_version: string }).model_version;
          if (served !== version) await sleep(250);
        }
        assert.equal(served, version, `the api replica still serves ${served}, not the trainer's ${version}`);
      });
    },
  );
}

async function waitForTrainingIdle(url: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = (await request(url).get('/v1/models?status=training&limit=1').expect(200)).body as ModelList;
    const active = (await request(url).get('/v1/models?status=active&limit=1').expect(200)).body as ModelList;
    if (list.total === 0 && active.total > 0) return;
    if (Date.now() > deadline) throw new Error(`no trained model after ${timeoutMs} ms`);
    await sleep(500);
  }
}
