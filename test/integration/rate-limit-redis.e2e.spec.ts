import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startReplica, startTestApp, TestApp } from '../support/app';
import { REDIS_TEST_URL, redisSkip } from '../support/databases';
import { freePort } from '../support/server-process';
import { TcpProxy } from '../support/tcp-proxy';
import { signToken } from '../support/tokens';

const JWT_SECRET = 'test-jwt-secret-with-at-least-32-characters';
const API_KEY = 'service-api-key-0123456789';
const bearer = (sub: string) => ({
  authorization: `Bearer ${signToken({ sub }, { alg: 'HS256', secret: JWT_SECRET })}`,
});
// Counts outlive a run by two minutes in Redis: fresh users and addresses keep runs apart.
const run = randomBytes(3);
const user = (name: string) => `${name}_${run.toString('hex')}`;
const address = (last: number) => `10.${run[0]}.${run[1]}.${last}`;

const ENV = {
  JWT_SECRET,
  API_KEYS: API_KEY,
  RATE_LIMIT_PER_MINUTE: '6',
  AUTH_FAILURES_PER_MINUTE: '4',
  TRUST_PROXY: '1',
  ENABLED_ALGORITHMS: 'popularity',
};

async function localCounts(t: TestApp): Promise<number> {
  const { text } = await t.http.get('/metrics').expect(200);
  const line = text.split('\n').find((l) => l.startsWith('ml_service_rate_limit_local_counts_total '));
  assert.ok(line, 'ml_service_rate_limit_local_counts_total is not exported');
  return Number(line.split(' ')[1]);
}

describe('rate limits shared through Redis by two replicas', { skip: redisSkip, timeout: 600_000 }, () => {
  let first: TestApp;
  let second: TestApp;
  before(async () => {
    first = await startTestApp('sqlite', { ...ENV, REDIS_URL: REDIS_TEST_URL as string });
    second = await startReplica(first.config);
  });
  after(async () => {
    await second?.close();
    await first?.close();
  });

  it("should spend one user's budget on whichever replica serves them", async () => {
    const fan = user('fan');
    for (const replica of [first, second, first, second, first, second])
      await replica.http.get(`/v1/recommendations/${fan}`).set(bearer(fan)).expect(200);
    for (const replica of [first, second]) {
      const { body } = await replica.http.get(`/v1/recommendations/${fan}`).set(bearer(fan)).expect(429);
      assert.match(body.detail, /at most 6 requests per minute/);
    }
    const other = user('other');
    await second.http.get(`/v1/recommendations/${other}`).set(bearer(other)).expect(200);
    assert.equal(await localCounts(first), 0);
  });

  it('should count failed authentications from one address on every replica', async () => {
    const guess = (replica: TestApp) =>
      replica.http
        .get('/v1/recommendations/fan_1')
        .set('x-forwarded-for', address(1))
        .set('x-api-key', 'guessed-api-key-0000000');
    for (const replica of [first, second, first, second]) await guess(replica).expect(401);
    await guess(first).expect(429);
    await second.http
      .get('/v1/recommendations/fan_1')
      .set('x-forwarded-for', address(1))
      .set('x-api-key', API_KEY)
      .expect(429);
  });
});

describe('rate limits while Redis is out', { timeout: 600_000 }, () => {
  it('should start and serve with REDIS_URL pointing at nothing, limiting on each replica and counting that in /metrics', async () => {
    const t = await startTestApp('sqlite', { ...ENV, REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    try {
      const fan = user('alone');
      for (let n = 0; n < 6; n++) await t.http.get(`/v1/recommendations/${fan}`).set(bearer(fan)).expect(200);
      await t.http.get(`/v1/recommendations/${fan}`).set(bearer(fan)).expect(429);
      // At least one per request (a request presenting a token is also checked against the failed-auth budget).
      assert.ok((await localCounts(t)) >= 7);
    } finally {
      await t.close();
    }
  });

  it(
    'should fail open to local counts when Redis goes away at run time, and share again once it is back',
    { skip: redisSkip },
    async () => {
      const redis = new URL(REDIS_TEST_URL as string);
      const proxy = new TcpProxy(redis.hostname, Number(redis.port || 6379));
      await proxy.start();
      const t = await startTestApp('sqlite', { ...ENV, REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
      try {
        const fan = user('outage');
        const call = () => t.http.get(`/v1/recommendations/${fan}`).set(bearer(fan));
        for (let n = 0; n < 3; n++) await call().expect(200);
        assert.equal(await localCounts(t), 0);

        await proxy.cut();
        // This replica knows none of the 3 counted in Redis: a fresh local budget, still enforced.
        for (let n = 0; n < 6; n++) await call().expect(200);
        await call().expect(429);
        assert.ok((await localCounts(t)) >= 7);

        await proxy.start();
        // ioredis reconnects on its own backoff; each probe is a new anonymous caller, so none is limited.
        let probes = 0;
        for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
          const before = await localCounts(t);
          await t.http
            .get('/v1/recommendations/fan_1')
            .set('x-forwarded-for', address(100 + (probes++ % 100)))
            .expect(200);
          if ((await localCounts(t)) === before) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        // Back on Redis, where this user has 3 of 6 counted.
        for (let n = 0; n < 3; n++) await call().expect(200);
        await call().expect(429);
      } finally {
        await t.close();
        await proxy.cut();
      }
    },
  );
});
