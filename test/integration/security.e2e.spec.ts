import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, TestApp } from '../support/app';
import { catalogueFixture, feedbackFixture } from '../support/fixtures';
import { freePort, spawnServer, waitUntilOk } from '../support/server-process';
import { signToken, SigningKey } from '../support/tokens';

const JWT_SECRET = 'test-jwt-secret-with-at-least-32-characters';
const API_KEY = 'service-api-key-0123456789';
const ISSUER = 'https://auth.example.com/';
const AUDIENCE = 'ml-service';
const HS256: SigningKey = { alg: 'HS256', secret: JWT_SECRET };

const userToken = (sub: string, extra: Record<string, unknown> = {}) =>
  signToken({ sub, iss: ISSUER, aud: AUDIENCE, ...extra }, HS256);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('authentication and authorization with AUTH_REQUIRED=true', { timeout: 600_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', {
      AUTH_REQUIRED: 'true',
      JWT_SECRET,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      API_KEYS: `other-key-abcdefghijkl,${API_KEY}`,
      ENABLED_ALGORITHMS: 'popularity',
    });
    await t.http.post('/v1/items/batch').set('x-api-key', API_KEY).send({ items: catalogueFixture() }).expect(200);
    await t.http.post('/v1/feedback/batch').set('x-api-key', API_KEY).send({ events: feedbackFixture() }).expect(200);
  });
  after(async () => t?.close());

  it('should answer 401 {detail} without a token, with an expired, wrongly signed or malformed one', async () => {
    const now = Math.floor(Date.now() / 1000);
    const refused: [Record<string, string>, RegExp][] = [
      [{}, /authentication required/],
      [bearer(userToken('fan_1', { exp: now - 60 })), /expired/],
      [
        bearer(
          signToken(
            { sub: 'fan_1', iss: ISSUER, aud: AUDIENCE },
            { alg: 'HS256', secret: 'another-secret-that-is-long-enough-000' },
          ),
        ),
        /invalid signature/,
      ],
      [bearer('not.a.jwt'), /invalid bearer token/],
      [bearer(userToken('fan_1', { iss: 'https://evil.example.com/' })), /issuer/],
      [bearer(userToken('fan_1', { aud: 'another-service' })), /audience/],
      [bearer(userToken('')), /sub/],
      [bearer(userToken('fan_1', { exp: undefined })), /no exp claim/],
      [{ authorization: `Basic ${Buffer.from('fan_1:pw').toString('base64')}` }, /Bearer/],
      [{ 'x-api-key': 'not-a-configured-key-000' }, /API key/],
    ];
    for (const [headers, detail] of refused) {
      const { body } = await t.http.get('/v1/recommendations/fan_1').set(headers).expect(401);
      assert.deepEqual(Object.keys(body), ['detail']);
      assert.match(body.detail, detail, JSON.stringify(headers));
    }
  });

  it('should refuse an unsigned token (alg none)', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'fan_1', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 })}.`;
    await t.http.get('/v1/recommendations/fan_1').set(bearer(unsigned)).expect(401);
  });

  it('should leave health, readiness and metrics open', async () => {
    await t.http.get('/health').expect(200);
    const ready = await t.http.get('/ready');
    assert.ok([200, 503].includes(ready.status));
    await t.http.get('/metrics').expect(200);
    await t.http.get('/docs-json').expect(200);
  });

  it("should let a user read their own recommendations, profile and feedback, and nobody else's", async () => {
    const fan1 = bearer(userToken('fan_1'));
    await t.http.get('/v1/recommendations/fan_1').set(fan1).expect(200);
    await t.http.post('/v1/recommendations').set(fan1).send({ user_id: 'fan_1', limit: 3 }).expect(200);
    await t.http.get('/v1/users/fan_1/feedback').set(fan1).expect(200);
    await t.http
      .post('/v1/feedback')
      .set(fan1)
      .send({ user_id: 'fan_1', event_id: 'jazz_2', action: 'click' })
      .expect(200);

    const forbidden: [string, string, object?][] = [
      ['get', '/v1/recommendations/fan_2'],
      ['post', '/v1/recommendations', { user_id: 'fan_2' }],
      ['post', '/v1/recommendations/batch', { user_ids: ['fan_1', 'fan_2'] }],
      ['get', '/v1/users/fan_2'],
      ['get', '/v1/users/fan_2/feedback'],
      ['post', '/v1/feedback', { user_id: 'fan_2', event_id: 'jazz_2', action: 'save' }],
      [
        'post',
        '/v1/feedback/batch',
        {
          events: [
            { user_id: 'fan_1', event_id: 'jazz_2', action: 'save' },
            { user_id: 'fan_2', event_id: 'jazz_2', action: 'hide' },
          ],
        },
      ],
    ];
    for (const [method, path, body] of forbidden) {
      const request = method === 'get' ? t.http.get(path) : t.http.post(path).send(body ?? {});
      const response = await request.set(fan1).expect(403);
      assert.match(response.body.detail, /own user/, `${method} ${path}`);
    }
    const stored = await t.http.get('/v1/users/fan_2/feedback').set('x-api-key', API_KEY).expect(200);
    assert.ok(
      !stored.body.feedback.some((e: { action: string }) => e.action === 'hide'),
      'a refused batch stored an event',
    );
  });

  it('should keep retraining, activation, experiment changes and catalogue writes to admins and API keys', async () => {
    const fan1 = bearer(userToken('fan_1'));
    for (const [method, path] of [
      ['post', '/v1/model/retrain'],
      ['post', '/v1/models/1/activate'],
      ['post', '/v1/models/1/cancel'],
      ['post', '/v1/experiments'],
      ['patch', '/v1/experiments/rec_algorithm_v1'],
      ['put', '/v1/items/new_item'],
      ['post', '/v1/items/batch'],
      ['delete', '/v1/items/jazz_1'],
      ['put', '/v1/users/fan_1'],
    ] as const) {
      const { body } = await t.http[method](path).set(fan1).send({}).expect(403);
      assert.match(body.detail, /admin/, `${method} ${path}`);
    }
    const admin = bearer(userToken('ops_1', { roles: ['admin'] }));
    const { body: trained } = await t.http
      .post('/v1/model/retrain')
      .set(admin)
      .send({ algorithm: 'popularity' })
      .expect(200);
    assert.equal(trained.status, 'success', JSON.stringify(trained));
    await t.http.post('/v1/model/retrain').set('x-api-key', API_KEY).send({ algorithm: 'popularity' }).expect(200);
    const roleAdmin = bearer(userToken('ops_2', { role: 'admin' }));
    const { body: models } = await t.http.get('/v1/models').set(fan1).expect(200);
    const first = (models.models as { id: number; algorithm: string }[]).find((m) => m.algorithm === 'popularity');
    await t.http.post(`/v1/models/${first?.id}/activate`).set(roleAdmin).expect(200);
    await t.http.put('/v1/items/new_item').set(roleAdmin).send({ name: 'New Item' }).expect(200);
    const variants = [
      { variant_id: 'control', algorithm: 'popularity', traffic_percentage: 50 },
      { variant_id: 'treatment', algorithm: 'item_knn', traffic_percentage: 50 },
    ];
    await t.http
      .post('/v1/experiments')
      .set(roleAdmin)
      .send({ experiment_id: 'rec_algorithm_v1', name: 'A/B', variants })
      .expect(201);
    await t.http
      .patch('/v1/experiments/rec_algorithm_v1')
      .set('x-api-key', API_KEY)
      .send({ name: 'Renamed by a service' })
      .expect(200);
    await t.http.get('/v1/experiments/rec_algorithm_v1/results').set(fan1).expect(200);
    // An admin acts for any user.
    await t.http.get('/v1/recommendations/fan_2').set(admin).expect(200);
  });
});

describe('optional credentials with AUTH_REQUIRED=false', { timeout: 600_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', { JWT_SECRET, JWT_REQUIRE_EXP: 'false', ENABLED_ALGORITHMS: 'popularity' });
  });
  after(async () => t?.close());

  it('should accept a token without exp when JWT_REQUIRE_EXP=false', async () => {
    await t.http
      .get('/v1/recommendations/fan_1')
      .set(bearer(signToken({ sub: 'fan_1', exp: undefined }, HS256)))
      .expect(200);
  });

  it('should serve anonymous callers but still verify a token that is sent, and apply its limits', async () => {
    await t.http.get('/v1/recommendations/fan_1').expect(200);
    await t.http.get('/v1/recommendations/fan_1').set(bearer('garbage')).expect(401);
    const fan1 = bearer(signToken({ sub: 'fan_1' }, HS256));
    await t.http.get('/v1/recommendations/fan_1').set(fan1).expect(200);
    await t.http.get('/v1/recommendations/fan_2').set(fan1).expect(403);
    await t.http.post('/v1/model/retrain').set(fan1).send({}).expect(403);
  });
});

describe('RS256 tokens', { timeout: 600_000 }, () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let t: TestApp;
  before(async () => {
    // One line with literal \n, as a Kubernetes secret often carries it.
    t = await startTestApp('sqlite', {
      AUTH_REQUIRED: 'true',
      JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n'),
      ENABLED_ALGORITHMS: 'popularity',
    });
  });
  after(async () => t?.close());

  it('should accept a token signed with the private key and refuse one "signed" with the public key as an HMAC secret', async () => {
    await t.http
      .get('/v1/recommendations/fan_1')
      .set(bearer(signToken({ sub: 'fan_1' }, { alg: 'RS256', privateKey })))
      .expect(200);
    const confused = signToken({ sub: 'fan_1', roles: ['admin'] }, { alg: 'HS256', secret: pem });
    const { body } = await t.http.get('/v1/recommendations/fan_1').set(bearer(confused)).expect(401);
    assert.match(body.detail, /invalid algorithm/);
  });
});

describe('rate limiting', { timeout: 600_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', {
      JWT_SECRET,
      API_KEYS: API_KEY,
      RATE_LIMIT_PER_MINUTE: '5',
      SERVICE_RATE_LIMIT_PER_MINUTE: '12',
      TRUST_PROXY: '1',
      ENABLED_ALGORITHMS: 'popularity',
    });
  });
  after(async () => t?.close());

  it('should answer 429 {detail} with Retry-After once a caller spends the budget, counting each caller apart', async () => {
    const fan1 = bearer(signToken({ sub: 'fan_1' }, HS256));
    for (let n = 0; n < 5; n++) await t.http.get('/v1/recommendations/fan_1').set(fan1).expect(200);
    const limited = await t.http.post('/v1/recommendations').set(fan1).send({ user_id: 'fan_1' }).expect(429);
    assert.match(limited.body.detail, /rate limit exceeded: at most 5 requests per minute/);
    const retryAfter = Number(limited.headers['retry-after']);
    // A sliding window: the 5 just counted still weigh more than 4 until 12 s into the next minute.
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 12 && retryAfter <= 72,
      `Retry-After: ${limited.headers['retry-after']}`,
    );
    // Another user from the same address has a budget of their own; so do anonymous callers.
    await t.http
      .get('/v1/recommendations/fan_2')
      .set(bearer(signToken({ sub: 'fan_2' }, HS256)))
      .expect(200);
    await t.http.get('/v1/recommendations/fan_3').expect(200);
  });

  it('should give a service API key its own, larger budget, one backend calling for all of its users', async () => {
    for (let n = 0; n < 12; n++) await t.http.get(`/v1/recommendations/fan_${n}`).set('x-api-key', API_KEY).expect(200);
    const limited = await t.http.get('/v1/recommendations/fan_1').set('x-api-key', API_KEY).expect(429);
    assert.match(limited.body.detail, /at most 12 requests per minute/);
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });

  it('should key anonymous callers on their address, each with the per-user budget', async () => {
    const from = (address: string) => t.http.get('/v1/recommendations/fan_1').set('x-forwarded-for', address);
    for (let n = 0; n < 5; n++) await from('203.0.113.7').expect(200);
    const { body } = await from('203.0.113.7').expect(429);
    assert.match(body.detail, /at most 5 requests per minute/);
    await from('203.0.113.8').expect(200);
  });

  it('should never limit health checks or metrics scrapes', async () => {
    for (let n = 0; n < 12; n++) {
      await t.http.get('/health').expect(200);
      await t.http.get('/metrics').expect(200);
    }
  });
});

describe('failed authentication', { timeout: 600_000 }, () => {
  const METRICS_TOKEN = 'metrics-scrape-token-0123';
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', {
      AUTH_REQUIRED: 'true',
      JWT_SECRET,
      API_KEYS: API_KEY,
      METRICS_TOKEN,
      TRUST_PROXY: '1',
      ENABLED_ALGORITHMS: 'popularity',
    });
  });
  after(async () => t?.close());

  const recommendationsFrom = (address: string) =>
    t.http.get('/v1/recommendations/fan_1').set('x-forwarded-for', address);
  const metricsFrom = (address: string) => t.http.get('/metrics').set('x-forwarded-for', address);

  it('should answer 429 with Retry-After once one address has had 20 credentials refused, whatever it then sends', async () => {
    const guesses = [
      () => recommendationsFrom('198.51.100.1').set('x-api-key', 'guessed-api-key-0000000'),
      () =>
        recommendationsFrom('198.51.100.1').set(
          bearer(signToken({ sub: 'fan_1' }, { alg: 'HS256', secret: 'guessed-secret-that-is-long-enough-00' })),
        ),
      () => metricsFrom('198.51.100.1').set(bearer('guessed-metrics-token-000')),
    ];
    for (let n = 0; n < 20; n++) await guesses[n % guesses.length]().expect(401);
    for (const guess of guesses) {
      const limited = await guess().expect(429);
      assert.match(limited.body.detail, /too many failed authentications/);
      const retryAfter = Number(limited.headers['retry-after']);
      assert.ok(
        Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 120,
        `Retry-After: ${limited.headers['retry-after']}`,
      );
    }
    // A right guess now looks like a wrong one.
    await recommendationsFrom('198.51.100.1').set('x-api-key', API_KEY).expect(429);
    await metricsFrom('198.51.100.1').set(bearer(METRICS_TOKEN)).expect(429);
    // Other addresses are unaffected.
    await recommendationsFrom('198.51.100.2').set('x-api-key', API_KEY).expect(200);
    await metricsFrom('198.51.100.2').set(bearer(METRICS_TOKEN)).expect(200);
  });

  it('should not count requests that send no credentials at all', async () => {
    for (let n = 0; n < 25; n++) await recommendationsFrom('198.51.100.3').expect(401);
    for (let n = 0; n < 25; n++) await metricsFrom('198.51.100.3').expect(401);
    await recommendationsFrom('198.51.100.3').set('x-api-key', API_KEY).expect(200);
  });
});

describe('production start-up', { timeout: 600_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'ml-service-production-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('should refuse to start in production with no way to authenticate callers', async () => {
    const server = spawnServer(
      { ENVIRONMENT: 'production', DATABASE_URL: `sqlite:${join(scratch, 'refused.sqlite')}` },
      await freePort(),
    );
    const code = await Promise.race([
      server.exited,
      new Promise((done) => setTimeout(() => done('still running'), 30_000)),
    ]);
    if (code === 'still running') server.child.kill('SIGKILL');
    assert.equal(code, 1);
    assert.match(
      server.output().join('\n'),
      /ENVIRONMENT=production requires authentication .* JWT_SECRET or JWT_PUBLIC_KEY .* API_KEYS/,
    );
  });

  it('should start open in production only with AUTH_REQUIRED=false, and warn about it', async () => {
    const server = spawnServer(
      {
        ENVIRONMENT: 'production',
        AUTH_REQUIRED: 'false',
        SHUTDOWN_DELAY_MS: '0',
        LOG_LEVEL: 'warn',
        DATABASE_URL: `sqlite:${join(scratch, 'open.sqlite')}`,
      },
      await freePort(),
    );
    try {
      await waitUntilOk(server, '/health');
      const warned = () =>
        server.output().some((line) => /"level":"warn".*AUTH_REQUIRED=false in production/.test(line));
      // The line is written as the server starts listening; the pipe may deliver it a little later.
      for (const deadline = Date.now() + 10_000; !warned() && Date.now() < deadline;)
        await new Promise((r) => setTimeout(r, 50));
      assert.ok(warned(), server.output().join('\n'));
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

describe('security headers, CORS and docs', { timeout: 600_000 }, () => {
  it('should send helmet headers and CORS headers for allowed origins only', async () => {
    const t = await startTestApp('sqlite', { CORS_ORIGINS: 'https://app.example.com,http://localhost:3000' });
    try {
      const response = await t.http.get('/health').set('origin', 'https://app.example.com').expect(200);
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.match(response.headers['content-security-policy'], /default-src 'self'/);
      assert.equal(response.headers['access-control-allow-origin'], 'https://app.example.com');
      const preflight = await t.http
        .options('/v1/recommendations')
        .set('origin', 'http://localhost:3000')
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'authorization,content-type');
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], 'http://localhost:3000');
      assert.match(preflight.headers['access-control-allow-headers'], /Authorization/);
      const stranger = await t.http.get('/health').set('origin', 'https://evil.example.com').expect(200);
      assert.equal(stranger.headers['access-control-allow-origin'], undefined);
      await t.http.get('/docs/').expect(200);
    } finally {
      await t.close();
    }
  });

  it('should send no CORS headers without CORS_ORIGINS, and no docs with DOCS_ENABLED=false', async () => {
    const t = await startTestApp('sqlite', { DOCS_ENABLED: 'false' });
    try {
      const response = await t.http.get('/health').set('origin', 'https://app.example.com').expect(200);
      assert.equal(response.headers['access-control-allow-origin'], undefined);
      await t.http.get('/docs/').expect(404);
      await t.http.get('/docs-json').expect(404);
    } finally {
      await t.close();
    }
  });
});
