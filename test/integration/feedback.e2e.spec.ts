import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Knex } from 'knex';
import { Response } from 'supertest';
import { KNEX } from '../../src/database/database';
import { startTestApp, TestApp } from '../support/app';
import { Dialect, DIALECTS, dialectSkip } from '../support/databases';

/** A trigger that makes the database refuse any interaction on `itemId`, as a constraint would. */
async function refuseInsertsOf(db: Knex, dialect: Dialect, itemId: string): Promise<void> {
  if (dialect === 'sqlite') {
    await db.raw(
      `CREATE TRIGGER refuse_insert BEFORE INSERT ON interactions WHEN NEW.item_id = '${itemId}' BEGIN SELECT RAISE(ABORT, 'refused'); END`,
    );
  } else {
    await db.raw(
      `CREATE TRIGGER refuse_insert BEFORE INSERT ON interactions FOR EACH ROW BEGIN IF NEW.item_id = '${itemId}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused'; END IF; END`,
    );
  }
}

for (const dialect of DIALECTS) {
  describe(`feedback API on ${dialect}`, { skip: dialectSkip(dialect), timeout: 600_000 }, () => {
    let t: TestApp;
    before(async () => {
      // The refused writes below answer 500 by design; their error logs would only be noise here.
      t = await startTestApp(dialect, { LOG_LEVEL: 'silent' });
    });
    after(async () => t?.close());

    const history = async (user: string) =>
      (await t.http.get(`/v1/users/${user}/feedback?limit=1000`).expect(200)).body;

    it('should acknowledge with the contract body and read the event back', async () => {
      const event = {
        user_id: 'u1',
        event_id: 'evt_1',
        action: 'rate',
        value: 4.5,
        context: { recommendation_id: 'rec_abc', position: 3, timestamp: '2026-11-01T10:00:00.000Z' },
      };
      const { body } = await t.http.post('/v1/feedback').send(event).expect(200);
      assert.deepEqual(body, { status: 'success', message: 'Feedback recorded' });
      const { feedback, count } = await history('u1');
      assert.equal(count, 1);
      const { received_at, ...stored } = feedback[0];
      assert.deepEqual(stored, { feedback_id: null, ...event });
      assert.ok(Date.parse(received_at) > Date.parse(event.context.timestamp));
    });

    it('should create a placeholder item for feedback about an unknown item', async () => {
      await t.http.post('/v1/feedback').send({ user_id: 'u2', event_id: 'evt_future', action: 'click' }).expect(200);
      const { body } = await t.http.get('/v1/items/evt_future').expect(200);
      assert.equal(body.placeholder, true);
      await t.http.put('/v1/items/evt_future').send({ name: 'Arrived later' }).expect(200);
      assert.equal((await t.http.get('/v1/items/evt_future').expect(200)).body.placeholder, false);
    });

    it('should store a batch once even when it is sent twice', async () => {
      const events = Array.from({ length: 300 }, (_, i) => ({
        feedback_id: `fb_${i}`,
        user_id: `batch_user_${i % 3}`,
        event_id: `evt_${i % 20}`,
        action: i % 2 ? 'save' : 'skip',
      }));
      const first = await t.http.post('/v1/feedback/batch').send({ events }).expect(200);
      assert.deepEqual(first.body, {
        status: 'success',
        message: 'Feedback recorded',
        received: 300,
        stored: 300,
        duplicates: 0,
      });
      const second = await t.http.post('/v1/feedback/batch').send({ events }).expect(200);
      assert.deepEqual([second.body.stored, second.body.duplicates], [0, 300]);
      assert.equal((await history('batch_user_0')).count, 100);
    });

    it('should store a feedback_id repeated within one batch once, keeping the first', async () => {
      const events = [
        { feedback_id: 'rep_1', user_id: 'rep_user', event_id: 'rep_item_a', action: 'save' },
        { feedback_id: 'rep_2', user_id: 'rep_user', event_id: 'rep_item_a', action: 'click' },
        { feedback_id: 'rep_1', user_id: 'rep_user', event_id: 'rep_item_b', action: 'hide' },
      ];
      const { body } = await t.http.post('/v1/feedback/batch').send({ events }).expect(200);
      assert.deepEqual([body.stored, body.duplicates], [2, 1]);
      const stored = (await history('rep_user')).feedback.map((f: { feedback_id: string; action: string }) => [
        f.feedback_id,
        f.action,
      ]);
      assert.deepEqual(stored.sort(), [
        ['rep_1', 'save'],
        ['rep_2', 'click'],
      ]);
      for (const item of ['rep_item_a', 'rep_item_b'])
        assert.equal((await t.http.get(`/v1/items/${item}`).expect(200)).body.placeholder, true);
    });

    it("should store a user's feedback_id whatever another user sent under it, and answer alike", async () => {
      const batch = (user: string, feedbackId: string, action: string) => ({
        events: [{ feedback_id: feedbackId, user_id: user, event_id: 'shared_item', action }],
      });
      await t.http
        .post('/v1/feedback/batch')
        .send(batch('mallory', 'mobile-42', 'click'))
        .expect(200);
      const taken = await t.http
        .post('/v1/feedback/batch')
        .send(batch('bob', 'mobile-42', 'hide'))
        .expect(200);
      const unused = await t.http
        .post('/v1/feedback/batch')
        .send(batch('carol', 'mobile-43', 'hide'))
        .expect(200);
      assert.deepEqual(taken.body, {
        status: 'success',
        message: 'Feedback recorded',
        received: 1,
        stored: 1,
        duplicates: 0,
      });
      assert.deepEqual(taken.body, unused.body);
      assert.deepEqual(
        (await history('bob')).feedback.map((f: { feedback_id: string; action: string }) => [f.feedback_id, f.action]),
        [['mobile-42', 'hide']],
      );
      const retried = await t.http
        .post('/v1/feedback/batch')
        .send(batch('bob', 'mobile-42', 'hide'))
        .expect(200);
      assert.deepEqual([retried.body.stored, retried.body.duplicates], [0, 1]);
      assert.equal((await history('bob')).count, 1);
      assert.equal((await history('mallory')).count, 1);
    });

    it('should store once and acknowledge every one of concurrent batches carrying the same new feedback_ids in any order', async () => {
      const events = Array.from({ length: 20 }, (_, i) => ({
        feedback_id: `race_${i}`,
        user_id: 'race_user',
        event_id: `race_item_${i % 4}`,
        action: 'save',
      }));
      // Items already stored, so that no placeholder insert makes the batches wait for one another.
      const items = events.slice(0, 4).map((e) => ({ user_id: 'race_warmup', event_id: e.event_id, action: 'click' }));
      await t.http.post('/v1/feedback/batch').send({ events: items }).expect(200);
      const db = t.app.get<Knex>(KNEX);
      // SQLite takes the write lock before it looks; on MySQL the writers overlap only if an insert takes a while.
      if (dialect === 'mysql')
        await db.raw(
          `CREATE TRIGGER slow_insert BEFORE INSERT ON interactions FOR EACH ROW BEGIN IF NEW.feedback_id = 'race_0' THEN DO SLEEP(0.3); END IF; END`,
        );
      let answers: Response[];
      try {
        // Half in reverse order: on MySQL two such batches each wait for a row the other has inserted.
        const batches = Array.from({ length: 6 }, (_, k) => (k % 2 ? [...events].reverse() : events));
        answers = await Promise.all(batches.map((batch) => t.http.post('/v1/feedback/batch').send({ events: batch })));
      } finally {
        if (dialect === 'mysql') await db.raw('DROP TRIGGER slow_insert');
      }
      assert.deepEqual(
        answers.map((a) => a.status),
        answers.map(() => 200),
        JSON.stringify(answers.map((a) => a.body)),
      );
      assert.equal(
        answers.reduce((sum, a) => sum + a.body.stored, 0),
        events.length,
      );
      for (const { body } of answers) assert.equal(body.stored + body.duplicates, events.length);
      const stored = (await history('race_user')).feedback.map((f: { feedback_id: string }) => f.feedback_id);
      assert.deepEqual(stored.sort(), events.map((e) => e.feedback_id).sort());
    });

    it('should store and acknowledge every one of many concurrent single events', async () => {
      const sent = Array.from({ length: 64 }, (_, i) => ({
        user_id: 'concurrent_user',
        event_id: `concurrent_item_${i % 8}`,
        action: 'click',
      }));
      const answers = await Promise.all(sent.map((event) => t.http.post('/v1/feedback').send(event)));
      assert.deepEqual(
        answers.map((a) => a.status),
        sent.map(() => 200),
      );
      assert.equal((await history('concurrent_user')).count, 64);
      for (let i = 0; i < 8; i++)
        assert.equal((await t.http.get(`/v1/items/concurrent_item_${i}`).expect(200)).body.placeholder, true);
    });

    it('should fail only the event the database refuses, not those written alongside it', async () => {
      const db = t.app.get<Knex>(KNEX);
      await refuseInsertsOf(db, dialect, 'refused_item');
      try {
        const sent = Array.from({ length: 16 }, (_, i) => ({
          user_id: 'neighbour_user',
          event_id: i === 5 ? 'refused_item' : `neighbour_item_${i}`,
          action: 'save',
        }));
        const answers = await Promise.all(sent.map((event) => t.http.post('/v1/feedback').send(event)));
        assert.deepEqual(
          answers.map((a) => a.status),
          sent.map((_, i) => (i === 5 ? 500 : 200)),
        );
        const stored = (await history('neighbour_user')).feedback.map((f: { event_id: string }) => f.event_id);
        assert.deepEqual(
          stored.sort(),
          sent
            .filter((_, i) => i !== 5)
            .map((e) => e.event_id)
            .sort(),
        );
        await t.http.get('/v1/items/refused_item').expect(404);
      } finally {
        await db.raw('DROP TRIGGER refuse_insert');
      }
    });

    it('should acknowledge none of the events of a group the database refuses whole', async () => {
      const db = t.app.get<Knex>(KNEX);
      await refuseInsertsOf(db, dialect, 'refused_everywhere');
      try {
        const sent = Array.from({ length: 8 }, () => ({
          user_id: 'refused_user',
          event_id: 'refused_everywhere',
          action: 'click',
        }));
        const answers = await Promise.all(sent.map((event) => t.http.post('/v1/feedback').send(event)));
        assert.deepEqual(
          answers.map((a) => a.status),
          sent.map(() => 500),
        );
        assert.equal((await history('refused_user')).count, 0);
      } finally {
        await db.raw('DROP TRIGGER refuse_insert');
      }
    });

    it('should reject bad feedback with 400 and store nothing', async () => {
      const cases: [unknown, RegExp][] = [
        [{ user_id: 'u9', event_id: 'e', action: 'teleport' }, /action must be one of/],
        [{ event_id: 'e', action: 'save' }, /user_id/],
        [{ user_id: 'u9', action: 'save' }, /event_id/],
        [{ user_id: 42, event_id: 'e', action: 'save' }, /user_id must be a string/],
        [{ user_id: 'u9', event_id: 'e', action: 'rate' }, /rating between 0 and 5/],
        [{ user_id: 'u9', event_id: 'e', action: 'rate', value: 7 }, /rating between 0 and 5/],
        [{ user_id: 'u9', event_id: 'e', action: 'watch', value: 1.5 }, /completion fraction/],
        [{ user_id: 'u9', event_id: 'e', action: 'save', context: { position: -1 } }, /context\.position/],
        [{ user_id: 'u9', event_id: 'e', action: 'save', context: { timestamp: 'yesterday' } }, /context\.timestamp/],
        [{ user_id: 'u9', event_id: 'e', action: 'save', context: { timestamp: '2099-01-01T00:00:00Z' } }, /future/],
        [{ user_id: 'has space', event_id: 'e', action: 'save' }, /without whitespace/],
      ];
      for (const [payload, detail] of cases) {
        const { body } = await t.http
          .post('/v1/feedback')
          .send(payload as object)
          .expect(400);
        assert.match(body.detail, detail, JSON.stringify(payload));
      }
      assert.equal((await history('u9')).count, 0);
      await t.http.get('/v1/items/e').expect(404);
    });

    it('should reject a batch with one bad event as a whole', async () => {
      const events = [
        { user_id: 'u10', event_id: 'e1', action: 'save' },
        { user_id: 'u10', event_id: 'e2', action: 'rate', value: 9 },
      ];
      const { body } = await t.http.post('/v1/feedback/batch').send({ events }).expect(400);
      assert.match(body.detail, /events\[1\]\.value/);
      assert.equal((await history('u10')).count, 0);
      const tooMany = Array.from({ length: 1001 }, () => ({ user_id: 'u10', event_id: 'e', action: 'click' }));
      assert.match((await t.http.post('/v1/feedback/batch').send({ events: tooMany }).expect(400)).body.detail, /1000/);
      assert.equal((await history('u10')).count, 0);
    });

    it('should reject a body over the size limit with 400', async () => {
      const huge = {
        user_id: 'u11',
        event_id: 'e',
        action: 'save',
        context: { recommendation_id: 'x'.repeat(6 * 1024 * 1024) },
      };
      const { body } = await t.http.post('/v1/feedback').send(huge).expect(400);
      assert.match(body.detail, /limit/);
      assert.equal((await history('u11')).count, 0);
    });
  });
}
