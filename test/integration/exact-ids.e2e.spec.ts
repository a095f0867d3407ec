import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Knex } from 'knex';
import { loadConfig } from '../../src/config/config';
import { createKnex, KNEX } from '../../src/database/database';
import { startReplica, startTestApp, TestApp } from '../support/app';
import { createTestDatabase, DIALECTS, dialectSkip, TestDatabase } from '../support/databases';
import { catalogueFixture, feedbackFixture } from '../support/fixtures';

/** Ids a case- and accent-insensitive collation takes for one another. */
const LOOKALIKES = ['ALICE', 'Alicé'];

const path = (id: string) => encodeURIComponent(id);

/** alice (city Cork, one event) is found as alice and under no lookalike id. */
async function assertAliceAlone(t: TestApp): Promise<void> {
  for (const id of LOOKALIKES) {
    await t.http.get(`/v1/users/${path(id)}`).expect(404);
    assert.equal((await t.http.get(`/v1/users/${path(id)}/feedback`).expect(200)).body.count, 0, id);
  }
  assert.equal((await t.http.get('/v1/users/alice').expect(200)).body.city, 'Cork');
  assert.equal((await t.http.get('/v1/users/alice/feedback').expect(200)).body.count, 1);
}

/** Id columns on MySQL whose collation is not binary: any would match lookalike ids. */
async function inexactIdColumns(db: Knex): Promise<string[]> {
  const [rows] = await db.raw(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLLATION_NAME AS collation FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = DATABASE() AND COLLATION_NAME IS NOT NULL AND TABLE_NAME NOT LIKE 'knex\\_%'
       AND (COLUMN_NAME = 'id' OR COLUMN_NAME LIKE '%\\_id' OR CONCAT(TABLE_NAME, '.', COLUMN_NAME) IN ('leases.name', 'leases.holder', 'model_versions.version', 'model_versions.algorithm', 'impressions.item_ids'))`,
  );
  const columns = rows as { t: string; c: string; collation: string }[];
  assert.ok(columns.length >= 20, `expected every id column, found ${columns.length}`);
  return columns.filter((row) => row.collation !== 'utf8mb4_bin').map((row) => `${row.t}.${row.c} ${row.collation}`);
}

/** The first migration of exact ids and per-user feedback_ids. */
const EXACT_IDS_MIGRATION = '20261201100000_exact_ids';

/** Runs the migrations that precede `name`: the schema of an install made before it. */
async function migrateBefore(db: Knex, name: string): Promise<void> {
  for (;;) {
    const [, pending] = (await db.migrate.list()) as [unknown[], { file: string }[]];
    if (pending.length === 0 || pending[0].file >= name) return;
    await db.migrate.up();
  }
}

for (const dialect of DIALECTS) {
  describe(`exact ids on ${dialect}`, { skip: dialectSkip(dialect), timeout: 600_000 }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect, { ENABLED_ALGORITHMS: 'popularity', DEFAULT_ALGORITHM: 'popularity' });
      await t.http.post('/v1/items/batch').send({ items: catalogueFixture() }).expect(200);
      // A model, so that recommendations leave out what the user hid.
      await t.http.post('/v1/feedback/batch').send({ events: feedbackFixture() }).expect(200);
      assert.equal((await t.http.post('/v1/model/retrain').send({}).expect(200)).body.status, 'success');
      await t.http
        .put('/v1/users/alice')
        .send({ city: 'Cork', preferences: { genres: ['Jazz'] } })
        .expect(200);
      await t.http.post('/v1/feedback').send({ user_id: 'alice', event_id: 'jazz_1', action: 'save' }).expect(200);
    });
    after(async () => t?.close());

    it("should show no lookalike id alice's profile or feedback", async () => {
      await assertAliceAlone(t);
    });

    it("should not apply alice's hidden items to a lookalike id's recommendations", async () => {
      const recommended = async (id: string): Promise<string[]> =>
        (
          await t.http.get(`/v1/recommendations/${path(id)}?algorithm=popularity&limit=50`).expect(200)
        ).body.recommendations.map((r: { event_id: string }) => r.event_id);
      const [hidden] = await recommended('alice');
      assert.ok(hidden, 'alice has recommendations');
      await t.http.post('/v1/feedback').send({ user_id: 'alice', event_id: hidden, action: 'hide' }).expect(200);
      assert.ok(!(await recommended('alice')).includes(hidden));
      for (const id of LOOKALIKES) assert.ok((await recommended(id)).includes(hidden), `${id} lost ${hidden}`);
    });

    it('should keep a user written as ALICE apart from alice', async () => {
      await t.http.put('/v1/users/ALICE').send({ city: 'Dublin' }).expect(200);
      await t.http.post('/v1/feedback').send({ user_id: 'ALICE', event_id: 'techno_1', action: 'click' }).expect(200);
      const profiles = await Promise.all(
        ['alice', 'ALICE'].map(async (id) => (await t.http.get(`/v1/users/${path(id)}`).expect(200)).body),
      );
      assert.deepEqual(
        profiles.map((p) => [p.id, p.city]),
        [
          ['alice', 'Cork'],
          ['ALICE', 'Dublin'],
        ],
      );
      const events = (await t.http.get('/v1/users/ALICE/feedback').expect(200)).body.feedback.map(
        (f: { event_id: string }) => f.event_id,
      );
      assert.deepEqual(events, ['techno_1']);
      await t.http.get(`/v1/users/${path('Alicé')}`).expect(404);
    });

    it(
      'should make every id column binary on MySQL',
      { skip: dialect === 'sqlite' && 'SQLite compares ids byte for byte' },
      async () => {
        assert.deepEqual(await inexactIdColumns(t.app.get<Knex>(KNEX)), []);
      },
    );
  });

  describe(
    `upgrading a database made before exact ids on ${dialect}`,
    { skip: dialectSkip(dialect), timeout: 600_000 },
    () => {
      let database: TestDatabase;
      let t: TestApp;
      before(async () => {
        database = await createTestDatabase(dialect);
        const db = createKnex(database.config);
        try {
          await migrateBefore(db, EXACT_IDS_MIGRATION);
          const now = Date.now();
          await db('users').insert({ id: 'alice', city: 'Cork', preferences: '{}', created_at: now, updated_at: now });
          await db('interactions').insert([
            {
              feedback_id: 'fb-1',
              user_id: 'alice',
              item_id: 'jazz_1',
              action: 'save',
              occurred_at: now,
              received_at: now,
            },
            {
              feedback_id: 'mobile-42',
              user_id: 'mallory',
              item_id: 'jazz_2',
              action: 'click',
              occurred_at: now,
              received_at: now,
            },
          ]);
          // The old schema really confuses the ids on MySQL: what the upgrade must undo.
          const found = await db('users').where({ id: 'ALICE' }).pluck('id');
          assert.deepEqual(found, dialect === 'mysql' ? ['alice'] : []);
        } finally {
          await db.destroy();
        }
        t = await startReplica({
          ...loadConfig({ ENVIRONMENT: 'test', SEED_DEMO_DATA: 'false', LOG_LEVEL: 'error' }),
          database: database.config,
        });
      });
      after(async () => {
        await t?.close();
        await database?.drop();
      });

      it('should tell alice from ALICE and Alicé after the migrations', async () => {
        await assertAliceAlone(t);
      });

      it("should store bob's event under a feedback_id mallory used before the upgrade", async () => {
        const { body } = await t.http
          .post('/v1/feedback/batch')
          .send({ events: [{ feedback_id: 'mobile-42', user_id: 'bob', event_id: 'jazz_3', action: 'hide' }] })
          .expect(200);
        assert.deepEqual([body.stored, body.duplicates], [1, 0]);
        assert.equal((await t.http.get('/v1/users/bob/feedback').expect(200)).body.count, 1);
      });

      it(
        'should make every id column binary on MySQL',
        { skip: dialect === 'sqlite' && 'SQLite compares ids byte for byte' },
        async () => {
          assert.deepEqual(await inexactIdColumns(t.app.get<Knex>(KNEX)), []);
        },
      );
    },
  );
}
