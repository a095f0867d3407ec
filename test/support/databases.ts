import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex from 'knex';
import { DatabaseConfig } from '../../src/config/config';

export type Dialect = 'sqlite' | 'mysql';

/**
 * The MySQL suite runs when MYSQL_TEST_URL points at a server (`.ci/run` sets it to the local
 * MariaDB); without it the suite is reported as skipped, never silently passed.
 */
export const MYSQL_TEST_URL = process.env.MYSQL_TEST_URL;

export function dialectSkip(dialect: Dialect): string | false {
  if (dialect === 'mysql' && !MYSQL_TEST_URL)
    return 'MySQL suite skipped: set MYSQL_TEST_URL=mysql://root@127.0.0.1:3306/test to run it';
  return false;
}

export const DIALECTS: Dialect[] = ['sqlite', 'mysql'];

/** Redis for the rate-limit suites that share counts across replicas (`.ci/run` starts a local one). */
export const REDIS_TEST_URL = process.env.REDIS_TEST_URL;

export const redisSkip: string | false = REDIS_TEST_URL
  ? false
  : 'Redis suite skipped: set REDIS_TEST_URL=redis://127.0.0.1:6379 to run it';

export interface TestDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

/** The DATABASE_URL an operator would give a server process for `database`. */
export function databaseUrl(database: DatabaseConfig): string {
  if (database.client === 'sqlite') return `sqlite:${database.filename}`;
  const credentials = `${encodeURIComponent(database.user)}${database.password ? `:${encodeURIComponent(database.password)}` : ''}`;
  return `mysql://${credentials}@${database.host}:${database.port}/${database.database}`;
}

/** A fresh, empty database of the dialect: a temp SQLite file, or a new schema on the MySQL server. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'ml-service-test-'));
    return {
      config: { client: 'sqlite', filename: join(dir, 'test.sqlite') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const url = new URL(MYSQL_TEST_URL as string);
  const server = {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
  const name = `ml_service_test_${randomBytes(4).toString('hex')}`;
  const admin = knex({ client: 'mysql2', connection: server });
  // As an operator creates it: a stock MariaDB's default collation, case- and accent-insensitive.
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  await admin.destroy();
  return {
    config: { client: 'mysql', ...server, database: name },
    drop: async () => {
      const cleanup = knex({ client: 'mysql2', connection: server });
      await cleanup.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await cleanup.destroy();
    },
  };
}
