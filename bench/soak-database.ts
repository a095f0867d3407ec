import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config/config';
import { createKnex } from '../src/database/database';
import { createMysqlDatabase } from './ingestion';

/** Where the soak runs, and how big that database is. */
export interface SoakDatabase {
  /** `sqlite` or `mariadb <version>`. */
  name: string;
  url: string;
  /**
   * Bytes on disk (the SQLite file; data plus indexes from information_schema on MariaDB) and
   * rows per table. Call it with the server stopped, so writes are flushed and the WAL checkpointed.
   */
  footprint(): Promise<{ bytes: number; rows: Record<string, number> }>;
  drop(): Promise<void>;
}

/** The cached SQLite copy itself. */
export function sqliteSoakDatabase(file: string): SoakDatabase {
  return {
    name: 'sqlite',
    url: `sqlite:${file}`,
    footprint: () => {
      const db = new Database(file, { readonly: true });
      try {
        const tables = db
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
          .pluck()
          .all() as string[];
        const rows = Object.fromEntries(
          tables.map((table) => [table, db.prepare(`SELECT COUNT(*) FROM "${table}"`).pluck().get() as number]),
        );
        return Promise.resolve({ bytes: statSync(file).size, rows });
      } finally {
        db.close();
      }
    },
    drop: () => Promise.resolve(),
  };
}

/** Rows copied per INSERT into MariaDB. */
const COPY_BATCH = 1000;
/** What the soak needs of the SQLite copy: the catalogue, the users and their feedback. */
const COPIED_TABLES = ['items', 'users', 'interactions'];

/**
 * A fresh MariaDB database (on MYSQL_BENCH_URL's server) migrated by the service's migrations
 * and filled with the SQLite copy's catalogue, users and feedback.
 */
export async function mariadbSoakDatabase(
  sqliteFile: string,
  serverUrl: string,
  log: (line: string) => void,
): Promise<SoakDatabase> {
  const created = await createMysqlDatabase(serverUrl);
  if ('skipped' in created) throw new Error(created.skipped);
  const started = performance.now();
  const config = loadConfig({ DATABASE_URL: created.url, SEED_DEMO_DATA: 'false' }).database;
  const db = createKnex(config);
  const source = new Database(sqliteFile, { readonly: true });
  try {
    await db.migrate.latest();
    for (const table of COPIED_TABLES) {
      let batch: Record<string, unknown>[] = [];
      for (const row of source.prepare(`SELECT * FROM "${table}"`).iterate() as Iterable<Record<string, unknown>>) {
        batch.push(row);
        if (batch.length === COPY_BATCH) {
          await db(table).insert(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await db(table).insert(batch);
    }
  } catch (error) {
    await created.drop();
    throw error;
  } finally {
    source.close();
    await db.destroy();
  }
  log(`  copied into MariaDB ${created.version} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return {
    name: `mariadb ${created.version}`,
    url: created.url,
    footprint: async () => {
      const reader = createKnex(config);
      try {
        const tables = (
          (await reader.raw(
            'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
          )) as [{ name: string }[]]
        )[0].map((t) => t.name);
        const rows: Record<string, number> = {};
        for (const table of tables) {
          // information_schema's sizes are InnoDB estimates refreshed by ANALYZE.
          await reader.raw('ANALYZE TABLE ??', [table]);
          const [{ count }] = (await reader(table).count({ count: '*' })) as [{ count: number | string }];
          rows[table] = Number(count);
        }
        const [[{ bytes }]] = (await reader.raw(
          'SELECT SUM(data_length + index_length) AS bytes FROM information_schema.tables WHERE table_schema = DATABASE()',
        )) as [[{ bytes: number | string }]];
        return { bytes: Number(bytes), rows };
      } finally {
        await reader.destroy();
      }
    },
    drop: () => created.drop(),
  };
}
