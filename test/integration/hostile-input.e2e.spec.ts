import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { Response, Test } from 'supertest';
import { startTestApp, TestApp } from '../support/app';
import { DIALECTS, dialectSkip } from '../support/databases';
import { catalogueFixture, feedbackFixture } from '../support/fixtures';
import { signToken } from '../support/tokens';

const JWT_SECRET = 'test-jwt-secret-with-at-least-32-characters';
const bearer = (sub: string) => ({
  authorization: `Bearer ${signToken({ sub }, { alg: 'HS256', secret: JWT_SECRET })}`,
});

/** Generous bounds: before the fix these bodies blocked the event loop for 4 to 70 seconds. */
const HEALTH_BOUND_MS = 1000;
const REFUSAL_BOUND_MS = 3000;

/** Sends a hostile request while /health is probed every 20 ms; the answer, its time and the slowest probe. */
async function sendWhileProbingHealth(
  t: TestApp,
  hostile: Test,
): Promise<{ response: Response; ms: number; slowestProbeMs: number }> {
  const started = performance.now();
  let settled = false;
  const pending = hostile.timeout(30_000).then((response) => {
    settled = true;
    return { response, ms: performance.now() - started };
  });
  let slowestProbeMs = 0;
  for (let probes = 0; !settled && probes < 200; probes++) {
    const probeStarted = performance.now();
    await t.http.get('/health').timeout(30_000).expect(200);
    slowestProbeMs = Math.max(slowestProbeMs, performance.now() - probeStarted);
    await sleep(20);
  }
  return { ...(await pending), slowestProbeMs };
}

const repeated = (element: string, count: number) => new Array<string>(count).fill(element).join(',');
const nested = (depth: number, leaf: string) => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);

describe('hostile JSON bodies', { timeout: 600_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', { JWT_SECRET, ENABLED_ALGORITHMS: 'popularity', LOG_LEVEL: 'silent' });
  });
  after(async () => t?.close());

  const event = '"user_id":"fan_1","event_id":"evt_1","action":"click"';
  const cases: [string, string, string, RegExp][] = [
    [
      '3.6 MB of empty arrays as context',
      '/v1/feedback',
      `{${event},"context":[${repeated('[]', 1_200_000)}]}`,
      /^context must have at most 1000 elements$/,
    ],
    [
      'an object of 400,000 members',
      '/v1/feedback',
      `{${event},"context":{${Array.from({ length: 400_000 }, (_, i) => `"k${i}":1`).join(',')}}}`,
      /^context must have at most 1000 members$/,
    ],
    [
      '400,000 empty events',
      '/v1/feedback/batch',
      `{"events":[${repeated('{}', 400_000)}]}`,
      /^events must have at most 1000 elements$/,
    ],
    [
      '200,000 empty arrays over 200 fields',
      '/v1/feedback',
      `{${event},${Array.from({ length: 200 }, (_, i) => `"f${i}":[${repeated('[]', 999)}]`).join(',')}}`,
      /^request body must have at most 100000 array elements and object members in all$/,
    ],
    [
      'arrays nested 3,000 deep',
      '/v1/feedback',
      '['.repeat(3000) + ']'.repeat(3000),
      /^request body is nested deeper than 32 levels at (\[0\]){32}$/,
    ],
    [
      'objects nested 40 deep',
      '/v1/feedback',
      `{${event},"context":${nested(40, '1')}}`,
      /^request body is nested deeper than 32 levels at context(\.a){31}$/,
    ],
  ];
  for (const [name, path, body, detail] of cases) {
    for (const caller of ['anonymous', 'with a token'] as const) {
      it(`should refuse ${name} (${caller}) with 400 at once, /health answering meanwhile`, async () => {
        const hostile = t.http
          .post(path)
          .set('content-type', 'application/json')
          .set(caller === 'anonymous' ? {} : bearer('fan_1'));
        const { response, ms, slowestProbeMs } = await sendWhileProbingHealth(t, hostile.send(body));
        assert.equal(response.status, 400, JSON.stringify(response.body).slice(0, 300));
        assert.deepEqual(Object.keys(response.body), ['detail']);
        assert.match(response.body.detail, detail);
        assert.ok(ms < REFUSAL_BOUND_MS, `refused after ${Math.round(ms)} ms`);
        assert.ok(slowestProbeMs < HEALTH_BOUND_MS, `/health took ${Math.round(slowestProbeMs)} ms`);
      });
    }
  }

  it('should store nothing from a refused body', async () => {
    const { body } = await t.http.get('/v1/users/fan_1/feedback').expect(200);
    assert.equal(body.count, 0);
  });

  it('should accept a body at the bounds: 32 levels deep, 1,000 elements in an array', async () => {
    // In the batch: the body, items, the item and metadata are four levels, the nested objects 27, their array one.
    const metadata = { deep: JSON.parse(nested(27, '[1]')), scores: Array.from({ length: 1000 }, (_, i) => i) };
    await t.http
      .put('/v1/items/deep_item')
      .send({ name: 'Deep', metadata: { ...metadata } })
      .expect(200);
    await t.http
      .post('/v1/items/batch')
      .send({ items: [{ id: 'deep_item', name: 'Deep', metadata }] })
      .expect(200);
    const { body } = await t.http.get('/v1/items/deep_item').expect(200);
    assert.deepEqual(body.metadata, metadata);
    const tooDeep = {
      items: [{ id: 'too_deep', name: 'Too deep', metadata: { deep: JSON.parse(nested(28, '[1]')) } }],
    };
    const refused = await t.http.post('/v1/items/batch').send(tooDeep).expect(400);
    assert.match(refused.body.detail, /nested deeper than 32 levels at items\[0\]\.metadata\.deep/);
    await t.http.get('/v1/items/too_deep').expect(404);
  });

  it('should refuse JSON in another charset than UTF-8 or compressed, which the byte scan cannot read', async () => {
    const { body } = await t.http
      .post('/v1/feedback')
      .set('content-type', 'application/json; charset=utf-16le')
      .send(Buffer.from(`{${event}}`, 'utf16le'))
      .expect(415);
    assert.match(body.detail, /UTF-8/);
    const compressed = await t.http
      .post('/v1/feedback')
      .set({ 'content-type': 'application/json', 'content-encoding': 'gzip' })
      .send(gzipSync(`{${event}}`))
      .expect(415);
    assert.match(compressed.body.detail, /compressed/);
    await t.http
      .post('/v1/feedback')
      .set('content-type', 'application/json; charset=UTF-8')
      .send(`{${event}}`)
      .expect(200);
  });
});

describe('bodies without credentials under AUTH_REQUIRED=true', { timeout: 600_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', {
      AUTH_REQUIRED: 'true',
      JWT_SECRET,
      ENABLED_ALGORITHMS: 'popularity',
      LOG_LEVEL: 'silent',
    });
  });
  after(async () => t?.close());

  it('should be refused with 401 before the body is read', async () => {
    const server = t.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // Announces 5 MB but sends 1 KB: only a server that does not wait for the body can answer.
    const req = httpRequest({
      port,
      method: 'POST',
      path: '/v1/feedback',
      headers: { 'content-type': 'application/json', 'content-length': 5_000_000 },
    });
    try {
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
      });
      req.write(`{"user_id":"fan_1","event_id":"evt_1","action":"click","pad":"${'x'.repeat(1000)}`);
      const timeout = sleep(5000).then(() => ({
        status: 0,
        body: 'no answer within 5 s: the server waited for the body',
      }));
      const { status, body } = await Promise.race([answer, timeout]);
      assert.equal(status, 401, body);
      assert.match(JSON.parse(body).detail, /authentication required before sending a body/);
    } finally {
      req.destroy();
    }
    await t.http.get('/health').expect(200);
  });
});

describe('paging bounds', { timeout: 600_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', { ENABLED_ALGORITHMS: 'popularity', LOG_LEVEL: 'silent' });
    await t.http.post('/v1/items/batch').send({ items: catalogueFixture() }).expect(200);
    await t.http.post('/v1/feedback/batch').send({ events: feedbackFixture() }).expect(200);
    await t.http.post('/v1/model/retrain').send({ algorithm: 'popularity' }).expect(200);
  });
  after(async () => t?.close());

  it('should refuse offsets whose page lies beyond 10 × MAX_RECOMMENDATION_COUNT, with 400', async () => {
    for (const query of [
      'offset=2000000000',
      'offset=4294967295',
      'offset=1e20',
      'offset=991&limit=10',
      'offset=1000',
    ]) {
      const { body } = await t.http.get(`/v1/recommendations/fan_1?${query}`).expect(400);
      assert.match(body.detail, /offset/, query);
    }
    const posted = await t.http.post('/v1/recommendations').send({ user_id: 'fan_1', offset: 4294967295 }).expect(400);
    assert.match(posted.body.detail, /^offset \+ limit must not be greater than 1000$/);
    const last = await t.http.get('/v1/recommendations/fan_1?offset=990&limit=10').expect(200);
    assert.deepEqual(last.body.recommendations, []);
    const first = await t.http.get('/v1/recommendations/fan_1?offset=0&limit=3').expect(200);
    assert.equal(first.body.recommendations.length, 3);
  });

  it('should refuse paging parameters out of range on every list route', async () => {
    for (const path of [
      '/v1/models?offset=1e20',
      '/v1/models?offset=1000001',
      '/v1/models?offset=-1',
      '/v1/models?limit=1e20',
      '/v1/models?offset=1.5',
      '/v1/users/fan_1/feedback?limit=1e20',
      '/v1/items/techno_1/similar?limit=1e20',
      '/v1/experiments/rec_algorithm_v1/results?attribution_hours=1e20',
    ]) {
      const { body } = await t.http.get(path).expect(400);
      assert.match(body.detail, /offset|limit|attribution_hours/, path);
    }
    await t.http.get('/v1/models?offset=1000000').expect(200);
  });
});

for (const dialect of DIALECTS) {
  describe(`malformed shapes on ${dialect}`, { skip: dialectSkip(dialect), timeout: 600_000 }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect, { ENABLED_ALGORITHMS: 'popularity', LOG_LEVEL: 'silent' });
    });
    after(async () => t?.close());

    const valid = { user_id: 'shape_fan', event_id: 'evt_1', action: 'save' };
    const euros = Array.from({ length: 100 }, (_, i) => String(i).padEnd(200, '€'));
    const controls = Array.from({ length: 100 }, (_, i) => String(i).padEnd(200, '\u0001'));
    const variants = [
      { variant_id: 'control', algorithm: 'popularity', traffic_percentage: 50 },
      { variant_id: 'other', algorithm: 'popularity', traffic_percentage: 50 },
    ];
    const forced = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`qa_${i}_`.padEnd(191, 'x'), 'control']));
    // JSON.stringify writes Infinity as null: a number too large for a double needs raw text.
    const withRaw = (field: string) => JSON.stringify(valid).replace(/}$/, `,${field}}`);
    const cases: [string, string, object | string, RegExp][] = [
      ['/v1/feedback/batch', 'post', { events: [valid, []] }, /^each value in events must be an object$/],
      ['/v1/feedback/batch', 'post', { events: [valid, 'save'] }, /events must be an object/],
      [
        '/v1/feedback',
        'post',
        { ...valid, context: [{ recommendation_id: 'rec_1', timestamp: '2099-01-01T00:00:00Z' }] },
        /^context must be an object$/,
      ],
      ['/v1/feedback', 'post', { ...valid, context: 'rec_1' }, /^context must be an object;/],
      ['/v1/feedback', 'post', withRaw('"value":1e400'), /value must be a number/],
      ['/v1/feedback', 'post', withRaw('"context":{"position":-1e400}'), /position must be an integer/],
      ['/v1/feedback', 'post', { ...valid, user_id: 'u'.repeat(192) }, /user_id must be 1-191 characters/],
      [
        '/v1/feedback',
        'post',
        { ...valid, context: { recommendation_id: 'r'.repeat(65) } },
        /recommendation_id must be shorter than or equal to 64/,
      ],
      ['/v1/recommendations', 'post', { user_id: 'shape_fan', context: [] }, /^context must be an object$/],
      [
        '/v1/recommendations',
        'post',
        { user_id: 'shape_fan', context: { user_preferences: [{ genres: ['Jazz'] }] } },
        /^context\.user_preferences must be an object$/,
      ],
      ['/v1/users/shape_fan', 'put', { preferences: [] }, /^preferences must be an object$/],
      [
        '/v1/users/shape_fan',
        'put',
        { preferences: { genres: euros, artists: euros } },
        /^preferences must be at most 65535 bytes as JSON$/,
      ],
      [
        '/v1/items/shape_item',
        'put',
        { name: 'Shape', genres: controls },
        /^genres must be at most 65535 bytes as JSON$/,
      ],
      ['/v1/items/shape_item', 'put', { name: 'Shape', metadata: [] }, /^metadata must be an object$/],
      [
        '/v1/items/batch',
        'post',
        { items: [{ id: 'shape_item', name: 'Shape' }, []] },
        /^each value in items must be an object$/,
      ],
      [
        '/v1/experiments',
        'post',
        { experiment_id: 'shape_exp', name: 'Shape', variants: [[], []] },
        /^each value in variants must be an object$/,
      ],
      [
        '/v1/experiments',
        'post',
        { experiment_id: 'shape_exp', name: 'Shape', variants, forced_assignments: forced },
        /^forced_assignments must be at most 65535 bytes as JSON$/,
      ],
    ];

    for (const [path, method, body, detail] of cases) {
      it(`should answer ${method} ${path} ${(typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 80)} with 400 naming the field`, async () => {
        const { body: answer } = await t.http[method as 'post' | 'put'](path)
          .set('content-type', 'application/json')
          .send(body)
          .expect(400);
        assert.deepEqual(Object.keys(answer), ['detail']);
        assert.match(answer.detail, detail);
      });
    }

    it('should have stored nothing from the refused requests', async () => {
      assert.equal((await t.http.get('/v1/users/shape_fan/feedback').expect(200)).body.count, 0);
      await t.http.get('/v1/users/shape_fan').expect(404);
      await t.http.get('/v1/items/shape_item').expect(404);
      await t.http.get('/v1/experiments/shape_exp').expect(404);
    });

    it('should still store the same requests once well formed', async () => {
      await t.http
        .put('/v1/users/shape_fan')
        .send({ preferences: { genres: euros.slice(0, 50), artists: euros.slice(0, 50) } })
        .expect(200);
      await t.http
        .put('/v1/items/shape_item')
        .send({ name: 'Shape', genres: euros, artists: euros, tags: euros })
        .expect(200);
      assert.deepEqual((await t.http.get('/v1/items/shape_item').expect(200)).body.genres, euros);
    });
  });
}
