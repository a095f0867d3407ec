import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import knex from 'knex';
import { AppConfig, loadConfig } from '../../src/config/config';
import { startReplica, TestApp } from '../support/app';
import { createTestDatabase, dialectSkip, TestDatabase } from '../support/databases';

const REPLICAS = 3;

/**
 * Every instance migrates at start, so replicas of a fresh rollout race to create the schema: each
 * must wait for the one applying migrations and then start, and every migration must run once.
 */
describe(
  'replicas starting together on one fresh mysql database',
  { skip: dialectSkip('mysql'), timeout: 120_000 },
  () => {
    let database: TestDatabase;
    const started: TestApp[] = [];
    after(async () => {
      await Promise.all(started.map((replica) => replica.close()));
      await database?.drop();
    });

    it('should all start, with every migration applied once and the migration lock free', async () => {
      database = await createTestDatabase('mysql');
      const config: AppConfig = {
        ...loadConfig({ ENVIRONMENT: 'test', SEED_DEMO_DATA: 'false', LOG_LEVEL: 'error' }),
        database: database.config,
      };
      const outcomes = await Promise.allSettled(Array.from({ length: REPLICAS }, () => startReplica(config)));
      for (const outcome of outcomes) if (outcome.status === 'fulfilled') started.push(outcome.value);
      const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [String(outcome.reason)] : []));
      assert.deepEqual(failures, []);

      for (const replica of started) await replica.http.get('/health/ready').expect(200);
      await started[0].http.put('/v1/items/e1').send({ name: 'Opening night' }).expect(200);
      await started[REPLICAS - 1].http.get('/v1/items/e1').expect(200);

      const files = readdirSync(join(__dirname, '..', '..', 'migrations')).filter((name) => name.endsWith('.js'));
      assert.ok(files.length > 0);
      const {
        host,
        port,
        user,
        password,
        database: name,
      } = database.config as { host: string; port: number; user: string; password: string; database: string };
      const db = knex({ client: 'mysql2', connection: { host, port, user, password, database: name } });
      try {
        const applied: { name: string }[] = await db('knex_migrations').select('name').orderBy('name');
        assert.deepEqual(applied.map((row) => row.name).sort(), files.sort());
        assert.deepEqual(await db('knex_migrations_lock').select('is_locked'), [{ is_locked: 0 }]);
      } finally {
        await db.destroy();
      }
    });
  },
);
