import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FEEDBACK_WEIGHTS } from '../domain/feedback-actions';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', { timeout: 30_000 }, () => {
  it('should default to SQLite under ./data, port 4004 and demo data outside production', () => {
    const config = loadConfig({});
    assert.deepEqual(config.database, { client: 'sqlite', filename: './data/ml-service.sqlite' });
    assert.equal(config.port, 4004);
    assert.equal(config.seedDemoData, true);
    assert.equal(loadConfig({ ENVIRONMENT: 'production', AUTH_REQUIRED: 'false' }).seedDemoData, false);
    assert.deepEqual(config.feedbackWeights, DEFAULT_FEEDBACK_WEIGHTS);
  });

  it('should read a MySQL DATABASE_URL with an encoded password', () => {
    const { database } = loadConfig({ DATABASE_URL: 'mysql://app:p%40ss@db.internal:3307/gigs' });
    assert.deepEqual(database, {
      client: 'mysql',
      host: 'db.internal',
      port: 3307,
      user: 'app',
      password: 'p@ss',
      database: 'gigs',
    });
  });

  it("should honour the seed contract's DB_* variables", () => {
    const { database } = loadConfig({ DB_HOST: 'db', DB_USER: 'app', DB_PASSWORD: 's3cret', DB_NAME: 'gigsdb' });
    assert.deepEqual(database, {
      client: 'mysql',
      host: 'db',
      port: 3306,
      user: 'app',
      password: 's3cret',
      database: 'gigsdb',
    });
  });

  it('should list every bad variable at once, without echoing a database password', () => {
    try {
      loadConfig({
        SERVICE_PORT: 'eighty',
        CACHE_TTL_SECONDS: '-1',
        SEED_DEMO_DATA: 'maybe',
        DATABASE_URL: 'postgres://u:hunter2@h/db',
      });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 4);
      assert.match(error.message, /SERVICE_PORT="eighty" must be an integer/);
      assert.match(error.message, /CACHE_TTL_SECONDS/);
      assert.match(error.message, /SEED_DEMO_DATA="maybe" must be true or false/);
      assert.doesNotMatch(error.message, /hunter2/);
    }
  });

  it('should merge FEEDBACK_WEIGHTS over the defaults and reject unknown actions and non-finite weights', () => {
    assert.equal(loadConfig({ FEEDBACK_WEIGHTS: '{"click": 0.5}' }).feedbackWeights.click, 0.5);
    assert.throws(() => loadConfig({ FEEDBACK_WEIGHTS: '{"poke": 1}' }), /FEEDBACK_WEIGHTS/);
    // JSON.parse reads 1e999 as Infinity.
    assert.throws(() => loadConfig({ FEEDBACK_WEIGHTS: '{"click": 1e999}' }), /FEEDBACK_WEIGHTS .* finite numbers/);
    assert.throws(() => loadConfig({ FEEDBACK_WEIGHTS: '{"hide": -1e999}' }), /FEEDBACK_WEIGHTS .* finite numbers/);
  });

  it('should budget 1 GiB for a training run unless told otherwise, and refuse a budget that is no number of megabytes', () => {
    assert.equal(loadConfig({}).training.memoryBudgetMb, 1024);
    assert.equal(loadConfig({ TRAINING_MEMORY_BUDGET_MB: '12288' }).training.memoryBudgetMb, 12288);
    assert.throws(
      () => loadConfig({ TRAINING_MEMORY_BUDGET_MB: '2GB' }),
      /TRAINING_MEMORY_BUDGET_MB="2GB" must be an integer between 1 and 1048576/,
    );
  });

  it('should refuse a default count above the maximum', () => {
    assert.throws(
      () => loadConfig({ DEFAULT_RECOMMENDATION_COUNT: '50', MAX_RECOMMENDATION_COUNT: '10' }),
      /must not exceed/,
    );
  });

  it('should default to open access outside production, 500 requests a minute per user, 60,000 per API key, docs on and no CORS', () => {
    const config = loadConfig({});
    assert.deepEqual(config.auth, { required: false, jwt: null, apiKeys: [] });
    assert.deepEqual(config.rateLimit, {
      perUserPerMinute: 500,
      perServicePerMinute: 60_000,
      authFailuresPerMinute: 20,
      redisUrl: null,
    });
    assert.equal(config.docsEnabled, true);
    assert.deepEqual(config.corsOrigins, []);
    assert.equal(config.metricsToken, null);
  });

  it('should wait before shutting down in production only, unless told otherwise', () => {
    assert.equal(loadConfig({}).shutdownDelayMs, 0);
    assert.equal(loadConfig({ ENVIRONMENT: 'production', AUTH_REQUIRED: 'false' }).shutdownDelayMs, 5000);
    assert.equal(
      loadConfig({ ENVIRONMENT: 'production', AUTH_REQUIRED: 'false', SHUTDOWN_DELAY_MS: '0' }).shutdownDelayMs,
      0,
    );
  });

  it('should give open requests 10 s to finish after the delay, unless told otherwise', () => {
    assert.equal(loadConfig({}).shutdownTimeoutMs, 10_000);
    assert.equal(loadConfig({ SHUTDOWN_TIMEOUT_MS: '2500' }).shutdownTimeoutMs, 2500);
    assert.throws(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: 'soon' }), /SHUTDOWN_TIMEOUT_MS/);
  });

  it('should refuse AUTH_REQUIRED=true with no way to verify anyone', () => {
    assert.throws(
      () => loadConfig({ AUTH_REQUIRED: 'true' }),
      /AUTH_REQUIRED=true needs JWT_SECRET or JWT_PUBLIC_KEY .* or API_KEYS/,
    );
    assert.equal(loadConfig({ AUTH_REQUIRED: 'true', API_KEYS: 'a-service-key-of-16+' }).auth.required, true);
  });

  it('should require authentication in production unless AUTH_REQUIRED=false says otherwise', () => {
    assert.throws(
      () => loadConfig({ ENVIRONMENT: 'production' }),
      /ENVIRONMENT=production requires authentication .* or AUTH_REQUIRED=false to run open/,
    );
    assert.equal(loadConfig({ ENVIRONMENT: 'production', API_KEYS: 'a-service-key-of-16+' }).auth.required, true);
    assert.equal(loadConfig({ ENVIRONMENT: 'production', AUTH_REQUIRED: 'false' }).auth.required, false);
  });

  it('should require an exp claim on tokens unless JWT_REQUIRE_EXP=false', () => {
    const secret = 'x'.repeat(32);
    assert.equal(loadConfig({ JWT_SECRET: secret }).auth.jwt?.requireExp, true);
    assert.equal(loadConfig({ JWT_SECRET: secret, JWT_REQUIRE_EXP: 'false' }).auth.jwt?.requireExp, false);
  });

  it('should read the rate-limit budgets and a redis:// REDIS_URL, and refuse anything else', () => {
    const { rateLimit } = loadConfig({
      RATE_LIMIT_PER_MINUTE: '100',
      SERVICE_RATE_LIMIT_PER_MINUTE: '9000',
      AUTH_FAILURES_PER_MINUTE: '5',
      REDIS_URL: 'redis://:pw@redis.internal:6380/2',
    });
    assert.deepEqual(rateLimit, {
      perUserPerMinute: 100,
      perServicePerMinute: 9000,
      authFailuresPerMinute: 5,
      redisUrl: 'redis://:pw@redis.internal:6380/2',
    });
    assert.equal(loadConfig({ REDIS_URL: 'rediss://redis.internal' }).rateLimit.redisUrl, 'rediss://redis.internal');
    try {
      loadConfig({
        REDIS_URL: 'http://:hunter2@redis.internal',
        AUTH_FAILURES_PER_MINUTE: '0',
        SERVICE_RATE_LIMIT_PER_MINUTE: 'lots',
      });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 3);
      assert.match(error.message, /REDIS_URL must be redis:\/\/\[:password@\]host\[:port\]\[\/db\] or rediss:\/\//);
      assert.match(error.message, /AUTH_FAILURES_PER_MINUTE="0" must be an integer between 1/);
      assert.match(error.message, /SERVICE_RATE_LIMIT_PER_MINUTE="lots"/);
      assert.doesNotMatch(error.message, /hunter2/);
    }
  });

  it('should refuse a METRICS_TOKEN shorter than 16 characters, without echoing it', () => {
    assert.equal(loadConfig({ METRICS_TOKEN: 'scrape-token-0123' }).metricsToken, 'scrape-token-0123');
    try {
      loadConfig({ METRICS_TOKEN: 'short-token' });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /METRICS_TOKEN must be at least 16 characters/);
      assert.doesNotMatch(error.message, /short-token/);
    }
  });

  it('should check JWT and API key settings without echoing them', () => {
    const secret = 'x'.repeat(32);
    assert.deepEqual(loadConfig({ JWT_SECRET: secret, JWT_ISSUER: 'https://auth.example.com/' }).auth.jwt, {
      algorithm: 'HS256',
      key: secret,
      issuer: 'https://auth.example.com/',
      audience: undefined,
      requireExp: true,
    });
    for (const [env, problem] of [
      [{ JWT_SECRET: 'too-short-secret' }, /JWT_SECRET must be at least 32 characters/],
      [{ JWT_SECRET: secret, JWT_PUBLIC_KEY: 'pem' }, /not both/],
      [{ JWT_PUBLIC_KEY: 'not-a-pem-key' }, /JWT_PUBLIC_KEY must be an RSA public key/],
      [{ API_KEYS: 'good-service-key-0001,short' }, /API_KEYS must be comma-separated keys of at least 16 characters/],
    ] as const) {
      try {
        loadConfig(env);
        assert.fail(`expected a ConfigError for ${Object.keys(env).join(', ')}`);
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, problem);
        assert.doesNotMatch(error.message, /too-short-secret|not-a-pem-key|short"/);
      }
    }
  });

  it('should accept a list of exact CORS origins and nothing looser', () => {
    assert.deepEqual(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:3000' }).corsOrigins, [
      'https://app.example.com',
      'http://localhost:3000',
    ]);
    for (const origin of ['*', 'https://app.example.com/', 'app.example.com', 'https://*.example.com']) {
      assert.throws(() => loadConfig({ CORS_ORIGINS: origin }), /CORS_ORIGINS entry .* must be an origin/, origin);
    }
  });
});
