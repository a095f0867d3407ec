import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, TestApp } from '../support/app';
import { DIALECTS, dialectSkip } from '../support/databases';
import { catalogueFixture, feedbackFixture } from '../support/fixtures';

interface Recommended {
  event_id: string;
  score: number;
  confidence: number;
  reason: string;
  metadata: { city: string | null; event_name: string };
}

for (const dialect of DIALECTS) {
  describe(`recommendations API on ${dialect}`, { skip: dialectSkip(dialect), timeout: 600_000 }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect, {
        ENABLED_ALGORITHMS: 'popularity,item_knn,content_based,hybrid,collaborative_filtering',
        DEFAULT_ALGORITHM: 'hybrid',
      });
      await t.http.post('/v1/items/batch').send({ items: catalogueFixture() }).expect(200);
      await t.http.post('/v1/feedback/batch').send({ events: feedbackFixture() }).expect(200);
      const { body } = await t.http.post('/v1/model/retrain').send({}).expect(200);
      assert.equal(body.status, 'success', JSON.stringify(body));
    });
    after(async () => t?.close());

    // The seeded A/B experiment would assign some users to other algorithms; name one instead.
    const recommend = async (payload: object): Promise<{ recommendations: Recommended[]; [key: string]: unknown }> =>
      (
        await t.http
          .post('/v1/recommendations')
          .send({ algorithm: 'hybrid', ...payload })
          .expect(200)
      ).body;

    it('should give a techno fan techno events, each with a reason and a confidence', async () => {
      const body = await recommend({ user_id: 'fan_3', limit: 5 });
      assert.equal(body.user_id, 'fan_3');
      assert.equal(typeof body.recommendation_id, 'string');
      assert.equal(body.algorithm, 'hybrid');
      assert.match(String(body.model_version), /^v\d+\.\d+\.\d+$/);
      assert.equal(body.recommendations.length, 5);
      for (const item of body.recommendations) {
        assert.match(item.event_id, /^techno_\d+$/, JSON.stringify(body.recommendations));
        assert.ok(item.reason.length > 10, item.reason);
        assert.ok(item.confidence >= 0 && item.confidence <= 1);
      }
      assert.ok(
        body.recommendations.some((r) => /Because you saved Techno Night|Techno/.test(r.reason)),
        JSON.stringify(body.recommendations),
      );
      assert.equal(typeof body.latency_ms, 'number');
    });

    it('should never return what the user already saved, nor an event that has started', async () => {
      const body = await recommend({ user_id: 'fan_3', limit: 50 });
      const ids = body.recommendations.map((r) => r.event_id);
      for (let k = 0; k < 6; k++) assert.ok(!ids.includes(`techno_${(3 + k) % 12}`));
      assert.ok(!ids.includes('techno_past'));
    });

    it('should drop a hidden item at once, without retraining, and never bring it back', async () => {
      const first = (await recommend({ user_id: 'fan_4', limit: 3 })).recommendations[0].event_id;
      await t.http.post('/v1/feedback').send({ user_id: 'fan_4', event_id: first, action: 'hide' }).expect(200);
      for (const algorithm of ['hybrid', 'item_knn', 'popularity', 'content_based', 'collaborative_filtering']) {
        const ids = (await recommend({ user_id: 'fan_4', limit: 50, algorithm })).recommendations.map(
          (r) => r.event_id,
        );
        assert.ok(!ids.includes(first), `${algorithm} brought back ${first}`);
      }
    });

    it('should count a fresh save in the next request without retraining', async () => {
      const newcomer = 'fresh_user';
      const before = await recommend({ user_id: newcomer, limit: 3, algorithm: 'item_knn' });
      await t.http.post('/v1/feedback').send({ user_id: newcomer, event_id: 'jazz_1', action: 'save' }).expect(200);
      const after = await recommend({ user_id: newcomer, limit: 3, algorithm: 'item_knn' });
      assert.notDeepEqual(after.recommendations, before.recommendations);
      for (const item of after.recommendations) assert.match(item.event_id, /^jazz_/);
      assert.match(after.recommendations[0].reason, /Because you saved Jazz Evening 1/);
    });

    it('should keep to the city filter', async () => {
      const body = await recommend({ user_id: 'fan_25', city: 'Cork', limit: 20 });
      assert.ok(body.recommendations.length > 0);
      for (const item of body.recommendations) assert.equal(item.metadata.city, 'Cork');
    });

    it('should list popular events in the home city first, then elsewhere, each once, within the cap per act', async () => {
      await t.http.put('/v1/users/cork_local').send({ city: 'Cork' }).expect(200);
      const body = await recommend({ user_id: 'cork_local', limit: 50, algorithm: 'popularity' });
      const ids = body.recommendations.map((r) => r.event_id);
      assert.equal(new Set(ids).size, ids.length, `repeated items in ${ids.join(', ')}`);
      const cities = body.recommendations.map((r) => r.metadata.city);
      const firstElsewhere = cities.findIndex((city) => city !== 'Cork');
      // Cork's twelve events are by four acts: at most 2 of one act in ten positions (MAX_PER_ARTIST)
      // lets eight lead the list; the other four come back among the rest once positions 11-20 open.
      assert.equal(firstElsewhere, 8, `not 8 Cork events first: ${cities.join(', ')}`);
      assert.ok(
        cities.slice(firstElsewhere, 10).every((city) => city !== 'Cork'),
        cities.join(', '),
      );
      assert.equal(cities.filter((city) => city === 'Cork').length, 12, cities.join(', '));
    });

    it('should give an unknown user popular events, explained as popular', async () => {
      const body = await recommend({ user_id: 'stranger', limit: 5, city: 'Dublin' });
      assert.equal(body.recommendations.length, 5);
      for (const item of body.recommendations) assert.match(item.reason, /Popular in Dublin/);
    });

    it('should shape a cold start by the preferences the request declares', async () => {
      const body = await recommend({
        user_id: 'jazz_curious',
        limit: 5,
        context: { user_preferences: { genres: ['Jazz'] } },
      });
      for (const item of body.recommendations)
        assert.match(item.event_id, /^jazz_/, JSON.stringify(body.recommendations));
    });

    it('should treat current_time as now for the started-events filter', async () => {
      const later = new Date(Date.now() + 9 * 24 * 3600 * 1000).toISOString();
      const body = await recommend({ user_id: 'fan_30', limit: 50, context: { current_time: later } });
      for (const item of body.recommendations) assert.ok(Number(item.event_id.split('_')[1]) >= 7, item.event_id);
    });

    it('should page with offset and serve the GET form', async () => {
      const all = (
        await t.http.get('/v1/recommendations/fan_8?limit=6&algorithm=hybrid').expect(200)
      ).body.recommendations.map((r: Recommended) => r.event_id);
      const page = (
        await t.http.get('/v1/recommendations/fan_8?limit=3&offset=3&algorithm=hybrid').expect(200)
      ).body.recommendations.map((r: Recommended) => r.event_id);
      assert.deepEqual(page, all.slice(3, 6));
    });

    it('should answer a batch per user and list similar items', async () => {
      const { body } = await t.http
        .post('/v1/recommendations/batch')
        .send({ user_ids: ['fan_1', 'fan_30'], limit: 3, algorithm: 'hybrid' })
        .expect(200);
      assert.equal(body.count, 2);
      assert.match(body.results[0].recommendations[0].event_id, /^techno_/);
      assert.match(body.results[1].recommendations[0].event_id, /^jazz_/);
      const similar = (await t.http.get('/v1/items/techno_2/similar?limit=4').expect(200)).body;
      assert.equal(similar.similar.length, 4);
      for (const item of similar.similar) assert.match(item.event_id, /^techno_/);
      await t.http.get('/v1/items/nope/similar').expect(404);
    });

    it('should reject bad requests with 400 and a detail', async () => {
      const cases: [object, RegExp][] = [
        [{}, /user_id/],
        [{ user_id: 'u', limit: 0 }, /limit/],
        [{ user_id: 'u', limit: 101 }, /limit must not be greater than 100/],
        [{ user_id: 'u', algorithm: 'magic' }, /algorithm must be one of/],
        [{ user_id: 'u', context: { current_time: 'soon' } }, /current_time/],
        [{ user_id: 'u', offset: -1 }, /offset/],
      ];
      for (const [payload, detail] of cases) {
        assert.match((await t.http.post('/v1/recommendations').send(payload).expect(400)).body.detail, detail);
      }
      assert.match((await t.http.get('/v1/recommendations/u?limit=abc').expect(400)).body.detail, /limit/);
      const tooMany = Array.from({ length: 51 }, (_, i) => `u${i}`);
      assert.match(
        (await t.http.post('/v1/recommendations/batch').send({ user_ids: tooMany }).expect(400)).body.detail,
        /50/,
      );
    });

    it('should report the active model in /health and /v1/model/info', async () => {
      const health = (await t.http.get('/health').expect(200)).body;
      assert.equal(health.model_loaded, true);
      await t.http.get('/health/ready').expect(200);
      const info = (await t.http.get('/v1/model/info').expect(200)).body;
      assert.equal(info.algorithm, 'hybrid');
      assert.ok(info.validation_metrics.ndcg_at_10 > 0);
      assert.ok(info.prediction_count > 0);
    });
  });
}
