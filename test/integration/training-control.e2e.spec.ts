import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Knex } from 'knex';
import { KNEX } from '../../src/database/database';
import { startReplica, startTestApp, TestApp } from '../support/app';
import { DIALECTS, dialectSkip } from '../support/databases';
import { syntheticTrainingData } from '../support/synthetic';

const USERS = 2000;
const ITEMS = 400;
const EVENTS = 40_000;
/** Some seconds of matrix factorisation on the data above, on a busy two-core machine. */
const SECONDS_LONG = { factors: 100, iterations: 5 };
/** Minutes of it: a run that only ends by being stopped. */
const MINUTES_LONG = { factors: 200, iterations: 100 };

interface Version {
  id: number;
  status: string;
  error: string | null;
}

for (const dialect of DIALECTS) {
  describe(`training control on ${dialect}`, { skip: dialectSkip(dialect), timeout: 600_000 }, () => {
    let t: TestApp;
    let db: Knex;
    before(async () => {
      // 14 MB admits factors 200 on this data (12.5 MB estimated) and refuses 400 (23.9 MB).
      t = await startTestApp(dialect, {
        ENABLED_ALGORITHMS: 'popularity,item_knn',
        MODEL_SYNC_SECONDS: '1',
        TRAINING_MEMORY_BUDGET_MB: '14',
      });
      db = t.app.get<Knex>(KNEX);
      await seedInteractions(db);
    });
    after(async () => t?.close());

    const version = async (id: number): Promise<Version> => (await t.http.get(`/v1/models/${id}`).expect(200)).body;
    const total = async (): Promise<number> => (await t.http.get('/v1/models').expect(200)).body.total;
    const startLongRun = async (params: Record<string, number>): Promise<number> => {
      const { body } = await t.http
        .post('/v1/model/retrain?async=true')
        .send({ algorithm: 'matrix_factorization', params })
        .expect(202);
      return body.model_ids[0];
    };
    const leaseHolder = async (): Promise<string | undefined> =>
      (await db('leases').where({ name: 'training' }).first())?.holder;

    it('should refuse invalid params with 400 naming the param and its range, storing nothing', async () => {
      const cases: [object, RegExp][] = [
        [
          { algorithm: 'item_knn', params: { neighbours: -5 } },
          /params\.neighbours must be an integer between 1 and 1000/,
        ],
        [
          { algorithm: 'item_knn', params: { neighbors: 5 } },
          /params\.neighbors is not a parameter of item_knn \(known: neighbours, min_similarity, shrinkage, tune\)/,
        ],
        [
          { algorithm: 'item_knn', params: { neighbours: 'many' } },
          /params\.neighbours must be an integer between 1 and 1000/,
        ],
        [
          { algorithm: 'item_knn', params: { neighbours: ITEMS + 1 } },
          /params\.neighbours must be at most 400, the number of items/,
        ],
        [
          { algorithm: 'matrix_factorization', params: { factors: 45000 } },
          /params\.factors must be an integer between 1 and 512/,
        ],
        [
          { algorithm: 'matrix_factorization', params: { iterations: 1e9 } },
          /params\.iterations must be an integer between 1 and 100/,
        ],
        [{ algorithm: 'matrix_factorization', params: { factors: 2.5 } }, /params\.factors must be an integer/],
        [
          { algorithm: 'matrix_factorization', params: { alpha: -1 } },
          /params\.alpha must be a number between 0 and 1000/,
        ],
        [
          { algorithm: 'hybrid', params: { 'cf.neighbours': 0 } },
          /params\.cf\.neighbours must be an integer between 1 and 1000/,
        ],
        [
          { algorithm: 'hybrid', params: { collaborative: 'popularity' } },
          /params\.collaborative must be one of item_knn, collaborative_filtering, matrix_factorization, ease/,
        ],
        [{ algorithm: 'ease', params: { tune: 'yes' } }, /params\.tune must be true or false, got "yes"/],
        [{ params: { neighbours: 5 } }, /params needs an algorithm/],
      ];
      assert.ok(cases.length > 0);
      for (const [request, detail] of cases) {
        const { body } = await t.http.post('/v1/model/retrain').send(request).expect(400);
        assert.match(body.detail, detail, JSON.stringify(request));
      }
      assert.equal(await total(), 0);
      assert.equal(await leaseHolder(), undefined);
    });

    it("should document each algorithm's params and the cancel route in the OpenAPI document", async () => {
      const { body } = await t.http.get('/docs-json').expect(200);
      const params: string = body.components.schemas.RetrainRequestDto.properties.params.description;
      for (const expected of [
        '**matrix_factorization**',
        '`factors` (integer 1–512, at most the number of items; default 64)',
        '`neighbours`',
        '**hybrid**',
      ]) {
        assert.ok(params.includes(expected), `${expected} in ${params}`);
      }
      assert.ok(body.paths['/v1/models/{id}/cancel']?.post, 'the cancel route');
    });

    it('should refuse a run whose memory estimate is above TRAINING_MEMORY_BUDGET_MB, storing nothing', async () => {
      const { body } = await t.http
        .post('/v1/model/retrain')
        .send({ algorithm: 'matrix_factorization', params: { factors: ITEMS } })
        .expect(422);
      assert.match(
        body.detail,
        /training matrix_factorization needs an estimated 23\.9 MB for 2000 users, 400 items, 40000 events .* TRAINING_MEMORY_BUDGET_MB is 14/,
      );
      assert.equal(await total(), 0);
    });

    it('should record what a run chose on its validation split, with tune dropped from the params it trained with', async () => {
      const { body } = await t.http
        .post('/v1/model/retrain')
        .send({ algorithm: 'popularity', params: { tune: true }, force: true })
        .expect(200);
      const [trained] = body.models as (Version & {
        params: Record<string, unknown>;
        trials: { params: Record<string, unknown>; ndcg_at_10: number }[];
      })[];
      assert.equal(trained.status, 'active', trained.error ?? '');
      // The configured 7 days, then none, 3, 14, 60 and 365: the best is what it trained with.
      assert.deepEqual(
        trained.trials.map((trial) => trial.params.half_life_days),
        [7, 0, 3, 14, 60, 365],
      );
      const best = trained.trials.reduce((a, b) => (b.ndcg_at_10 > a.ndcg_at_10 ? b : a));
      assert.equal(trained.params.half_life_days, best.params.half_life_days);
      assert.equal(trained.params.learn_half_life, false);
      assert.equal('tune' in trained.params, false);
    });

    it('should let a retrain finish while another replica starts on the same database', async () => {
      const id = await startLongRun(SECONDS_LONG);
      const replica = await startReplica(t.config);
      await replica.close();
      assert.equal(
        (await version(id)).status,
        'training',
        'the run must still be under way when the replica has started, or this proves nothing',
      );
      await waitFor(async () => (await version(id)).status !== 'training', 120_000);
      const finished = await version(id);
      assert.ok(['candidate', 'active'].includes(finished.status), JSON.stringify(finished));
      await waitFor(
        async () => (await leaseHolder()) === undefined,
        30_000,
        async () => `lease still held by ${await leaseHolder()}`,
      );
    });

    it('should cancel a long run: cancelled, lease released, and a new run can start', async () => {
      const id = await startLongRun(MINUTES_LONG);
      const { body } = await t.http.post(`/v1/models/${id}/cancel`).expect(202);
      assert.equal(body.cancel_requested, true);
      await waitFor(async () => (await version(id)).status === 'cancelled');
      await waitFor(async () => (await leaseHolder()) === undefined);
      assert.match(
        (await t.http.post(`/v1/models/${id}/cancel`).expect(409)).body.detail,
        /is cancelled; only a training version can be cancelled/,
      );
      await t.http.post('/v1/models/999999/cancel').expect(404);
      const next = await t.http.post('/v1/model/retrain').send({ algorithm: 'popularity' }).expect(200);
      assert.equal(next.body.models[0].status, 'active');
    });

    it('should abort and fail a run whose trainer lost the lease', async () => {
      const id = await startLongRun(MINUTES_LONG);
      await waitFor(async () => (await leaseHolder()) !== undefined);
      await db('leases').where({ name: 'training' }).update({ holder: 'another-replica' });
      try {
        await waitFor(async () => (await version(id)).status === 'failed');
        assert.match((await version(id)).error ?? '', /lost the training lease/);
      } finally {
        await db('leases').where({ name: 'training' }).delete();
      }
    });

    it("should fail a run on the periodic sync once its trainer's lease has expired, and only then", async () => {
      const now = Date.now();
      const row = { algorithm: 'ease', params: '{}', status: 'training', created_at: now };
      const [crashed] = await db('model_versions').insert({ ...row, version: 'v9.9.8', trainer: 'crashed-replica' });
      const [busy] = await db('model_versions').insert({ ...row, version: 'v9.9.9', trainer: 'busy-replica' });
      await db('leases').insert({ name: 'training', holder: 'busy-replica', expires_at: now + 60_000 });
      try {
        await waitFor(async () => (await version(Number(crashed))).status === 'failed');
        assert.match((await version(Number(crashed))).error ?? '', /interrupted/);
        assert.equal((await version(Number(busy))).status, 'training');
      } finally {
        await db('leases').where({ name: 'training' }).delete();
      }
    });
  });
}

/** Synthetic feedback straight into the log: a few seconds of training data without thousands of requests. */
async function seedInteractions(db: Knex): Promise<void> {
  const { events } = syntheticTrainingData(USERS, ITEMS, EVENTS);
  const rows = Array.from(events.user, (user, k) => ({
    user_id: `user_${user}`,
    item_id: `item_${events.item[k]}`,
    action: events.weight[k] > 0 ? 'save' : 'skip',
    occurred_at: events.time[k] * 1000,
    received_at: events.time[k] * 1000,
  }));
  // SQLite compiles a multi-row insert as one compound SELECT, capped at 500 terms.
  for (let start = 0; start < rows.length; start += 500)
    await db('interactions').insert(rows.slice(start, start + 500));
}

async function waitFor(
  condition: () => Promise<boolean>,
  timeoutMs = 30_000,
  describe = async () => 'condition not met in time',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(await describe());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
