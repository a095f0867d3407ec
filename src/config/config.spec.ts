import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEFAULT_FEEDBACK_WEIGHTS, loadConfig } from './config';

describe('loadConfig', () => {
  it('should default to SQLite under ./data, port 4004 and demo data outside production', () => {
    const config = loadConfig({});
    assert.deepEqual(config.database, { client: 'sqlite', filename: './data/ml-service.sqlite' });
    assert.equal(config.port, 4004);
    assert.equal(config.seedDemoData, true);
    assert.equal(loadConfig({ ENVIRONMENT: 'production' }).seedDemoData, false);
    assert.deepEqual(config.feedbackWeights, DEFAULT_FEEDBACK_WEIGHTS);
  });

  it('should read a MySQL DATABASE_URL with an encoded password', () => {
    const { database } = loadConfig({ DATABASE_URL: 'mysql://app:p%40ss@db.internal:3307/gigs' });
    assert.deepEqual(database, { client: 'mysql', host: 'db.internal', port: 3307, user: 'app', password: 'p@ss', database: 'gigs' });
  });

  it("should honour the seed contract's DB_* variables", () => {
    const { database } = loadConfig({ DB_HOST: 'db', DB_USER: 'app', DB_PASSWORD: 's3cret', DB_NAME: 'gigsdb' });
    assert.deepEqual(database, { client: 'mysql', host: 'db', port: 3306, user: 'app', password: 's3cret', database: 'gigsdb' });
  });

  it('should list every bad variable at once, without echoing a database password', () => {
    try {
      loadConfig({ SERVICE_PORT: 'eighty', CACHE_TTL_SECONDS: '-1', SEED_DEMO_DATA: 'maybe', DATABASE_URL: 'postgres://u:hunter2@h/db' });
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

  it('should merge FEEDBACK_WEIGHTS over the defaults and reject unknown actions', () => {
    assert.equal(loadConfig({ FEEDBACK_WEIGHTS: '{"click": 0.5}' }).feedbackWeights.click, 0.5);
    assert.throws(() => loadConfig({ FEEDBACK_WEIGHTS: '{"poke": 1}' }), /FEEDBACK_WEIGHTS/);
  });

  it('should refuse a default count above the maximum', () => {
    assert.throws(() => loadConfig({ DEFAULT_RECOMMENDATION_COUNT: '50', MAX_RECOMMENDATION_COUNT: '10' }), /must not exceed/);
  });
});
