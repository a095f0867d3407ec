import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Logger } from '@nestjs/common';
import knex, { Knex } from 'knex';
import { DatabaseConfig } from '../config/config';

const logger = new Logger('Database');

/** knex's own messages (failed connection attempts during an outage) go through the service's logger. */
const log = {
  warn: (message: unknown) => logger.warn(String(message)),
  error: (message: unknown) => logger.warn(String(message)),
  deprecate: (message: unknown) => logger.debug(String(message)),
  debug: (message: unknown) => logger.debug(String(message)),
};

/** Injection token for the shared knex instance. */
export const KNEX = Symbol('KNEX');

/** `reader`: one read-only connection for work off the request path (a training worker). */
export type ConnectionRole = 'service' | 'reader';

/**
 * The only place that knows about dialects (as Ghost's connection.js): SQLite gets WAL with
 * synchronous=NORMAL — a committed transaction survives a killed process — and foreign keys;
 * MySQL gets UTC, utf8mb4 and a short acquire timeout so that an outage answers 503 quickly
 * instead of queueing requests. A reader opens SQLite read-only (WAL lets it read beside the
 * service's writer) and takes a single MySQL connection.
 */
export function createKnex(config: DatabaseConfig, role: ConnectionRole = 'service'): Knex {
  if (config.client === 'sqlite' && config.filename !== ':memory:' && role === 'service') {
    mkdirSync(dirname(config.filename), { recursive: true });
  }
  return knex(knexConfig(config, role));
}

/** createKnex's settings, also what config/knexfile.js hands the knex CLI. */
export function knexConfig(config: DatabaseConfig, role: ConnectionRole = 'service'): Knex.Config {
  const reader = role === 'reader';
  if (config.client === 'sqlite') {
    return {
      client: 'better-sqlite3',
      connection: { filename: config.filename, options: { readonly: reader } },
      useNullAsDefault: true,
      log,
      pool: {
        min: 1,
        max: 1,
        afterCreate: (conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
          if (!reader) {
            conn.pragma('journal_mode = WAL');
            conn.pragma('synchronous = NORMAL');
            conn.pragma('foreign_keys = ON');
          }
          conn.pragma('busy_timeout = 5000');
          // The service checkpoints on a worker thread (WalCheckpointer); checkpoints on commit,
          // which stall the event loop, are only a backstop for a WAL past ~40 MB.
          conn.pragma('wal_autocheckpoint = 10000');
          done(null, conn);
        },
      },
      migrations: migrationConfig(),
    };
  }
  return {
    client: 'mysql2',
    connection: {
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password,
      database: config.database,
      timezone: 'Z',
      charset: 'utf8mb4',
      decimalNumbers: true,
      supportBigNumbers: true,
      connectTimeout: 2000,
    },
    pool: { min: 0, max: reader ? 1 : 10, acquireTimeoutMillis: 2000, idleTimeoutMillis: 30000 },
    acquireConnectionTimeout: 2000,
    log,
    migrations: migrationConfig(),
  };
}

function migrationConfig(): Knex.MigratorConfig {
  // Compiled migrations live in dist/migrations, two levels above dist/src/database.
  return {
    directory: join(__dirname, '..', '..', 'migrations'),
    loadExtensions: ['.js'],
    tableName: 'knex_migrations',
  };
}

export function isMysql(db: Knex): boolean {
  return (db.client as Knex.Client).config.client === 'mysql2';
}

/** Errors that mean "the database is not there", as opposed to a bad query. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code ?? '';
  return (
    error.name === 'KnexTimeoutError' ||
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EHOSTUNREACH',
      'ENOTFOUND',
      'PROTOCOL_CONNECTION_LOST',
      'ER_CON_COUNT_ERROR',
      'SQLITE_BUSY',
      'SQLITE_IOERR',
      'SQLITE_CANTOPEN',
    ].includes(code) ||
    /connect|connection (is )?closed|Connection lost/i.test(error.message)
  );
}
