import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReplica, startTestApp, TestApp } from '../support/app';
import { DIALECTS, dialectSkip } from '../support/databases';

const DAY = 24 * 3600 * 1000;
const future = (days: number) => new Date(Date.now() + days * DAY).toISOString();

/** Eight Electronic and eight Jazz events, each by its own artist; fans of each save four of their genre. */
function catalogue() {
  return ['Electronic', 'Jazz'].flatMap((genre) =>
    Array.from({ length: 8 }, (_, i) => ({
      id: `${genre.toLowerCase()}_${i}`,
      name: `${genre} Night ${i}`,
      city: 'Dublin',
      venue: `${genre} Hall ${i % 2}`,
      starts_at: future(3 + i),
      genres: [genre],
      artists: [`${genre} Act ${i}`],
    })),
  );
}

function feedback() {
  return Array.from({ length: 20 }, (_, u) => {
    const genre = u < 10 ? 'electronic' : 'jazz';
    return [0, 1, 2, 3].map((k) => ({ user_id: `fan_${u}`, event_id: `${genre}_${(u + k) % 8}`, action: 'save' }));
  }).flat();
}

/** Added after the models were trained: a new act at a new venue, known only by its genre. */
const newcomer = (name: string) => ({
  name,
  city: 'Dublin',
  venue: 'The New Room',
  starts_at: future(5),
  genres: ['Electronic'],
  artists: [`${name} Live`],
});

interface Recommended {
  event_id: string;
  reason: string;
  algorithm: string;
}

async function recommend(t: TestApp, userId: string, algorithm: string): Promise<Recommended[]> {
  const { body } = await t.http.post('/v1/recommendations').send({ user_id: userId, algorithm, limit: 10 }).expect(200);
  return body.recommendations;
}

for (const dialect of DIALECTS) {
  describe(`an item added after training on ${dialect}`, { skip: dialectSkip(dialect), timeout: 600_000 }, () => {
    let a: TestApp;
    let b: TestApp;
    before(async () => {
      a = await startTestApp(dialect, { ENABLED_ALGORITHMS: 'popularity,item_knn,content_based,hybrid' });
      await a.http.post('/v1/items/batch').send({ items: catalogue() }).expect(200);
      await a.http.post('/v1/feedback/batch').send({ events: feedback() }).expect(200);
      const { body } = await a.http.post('/v1/model/retrain').send({}).expect(200);
      assert.equal(body.status, 'success', JSON.stringify(body));
      b = await startReplica(a.config);
    });
    after(async () => {
      await b?.close();
      await a?.close();
    });

    it("should reach an Electronic fan's content_based and hybrid lists at once, explained by the genre", async () => {
      await a.http.put('/v1/items/new_electronic').send(newcomer('Fresh Electronic')).expect(200);
      for (const algorithm of ['content_based', 'hybrid']) {
        const list = await recommend(a, 'fan_0', algorithm);
        const found = list.find((r) => r.event_id === 'new_electronic');
        assert.ok(found, `${algorithm}: ${JSON.stringify(list.map((r) => r.event_id))}`);
        assert.equal(found.algorithm, algorithm);
        assert.equal(found.reason, 'Matches your taste in Electronic');
      }
      const jazzFan = await recommend(a, 'fan_15', 'content_based');
      assert.ok(!jazzFan.some((r) => r.event_id === 'new_electronic' && r.algorithm === 'content_based'));
    });

    it('should never show a new item the user hid, like any other', async () => {
      await a.http.put('/v1/items/new_hidden').send(newcomer('Hidden Electronic')).expect(200);
      assert.ok((await recommend(a, 'fan_1', 'content_based')).some((r) => r.event_id === 'new_hidden'));
      await a.http.post('/v1/feedback').send({ user_id: 'fan_1', event_id: 'new_hidden', action: 'hide' }).expect(200);
      for (const algorithm of ['content_based', 'hybrid'])
        assert.ok(!(await recommend(a, 'fan_1', algorithm)).some((r) => r.event_id === 'new_hidden'), algorithm);
    });

    it('should reach the lists of another replica within a few seconds', async () => {
      await a.http.put('/v1/items/new_elsewhere').send(newcomer('Elsewhere Electronic')).expect(200);
      // Replica b learns of the write from its catalogue catch-up; bounded poll, not a fixed sleep.
      for (const algorithm of ['content_based', 'hybrid']) {
        let ids: string[] = [];
        for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(200)) {
          ids = (await recommend(b, 'fan_2', algorithm)).map((r) => r.event_id);
          if (ids.includes('new_elsewhere')) break;
        }
        assert.ok(ids.includes('new_elsewhere'), `${algorithm} on replica b: ${JSON.stringify(ids)}`);
      }
    });
  });
}
