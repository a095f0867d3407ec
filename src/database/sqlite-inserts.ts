import type { Database } from 'better-sqlite3';
import { Knex } from 'knex';
import { prepared } from './prepared-statements';

/** Rows for one table, all of the same shape; a row that conflicts on the unique `conflictColumns` is skipped. */
export interface ConflictIgnoringInsert {
  table: string;
  conflictColumns: string[];
  rows: Record<string, unknown>[];
}

/**
 * SQLite only. Runs the inserts in order in one transaction (a savepoint inside a caller's
 * transaction), one cached prepared single-row statement per row, and returns how many rows each
 * insert stored. knex would write a multi-row insert as INSERT … SELECT … UNION ALL and prepare
 * every statement anew, which cost most of a feedback write's time. The connection is taken from
 * knex's pool, so no knex transaction is open on it meanwhile; better-sqlite3 is synchronous, so
 * the whole transaction runs without yielding.
 */
export async function insertIgnoringConflicts(db: Knex, inserts: ConflictIgnoringInsert[]): Promise<number[]> {
  const client = db.client as Knex.Client;
  const connection = (await client.acquireConnection()) as Database;
  try {
    // IMMEDIATE takes the write lock up front, so a second writer process waits (busy_timeout) instead of failing to upgrade.
    return connection.transaction(() => inserts.map((insert) => run(connection, insert))).immediate();
  } finally {
    await client.releaseConnection(connection);
  }
}

function run(connection: Database, { table, conflictColumns, rows }: ConflictIgnoringInsert): number {
  if (rows.length === 0) return 0;
  const columns = Object.keys(rows[0]);
  const quoted = (names: string[]) => names.map((c) => `"${c}"`).join(', ');
  const statement = prepared(
    connection,
    `INSERT INTO "${table}" (${quoted(columns)}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT (${quoted(conflictColumns)}) DO NOTHING`,
  );
  let stored = 0;
  for (const row of rows) stored += statement.run(columns.map((c) => bindable(row[c]))).changes;
  return stored;
}

/** As knex binds for better-sqlite3, which takes no booleans. */
function bindable(value: unknown): unknown {
  return typeof value === 'boolean' ? Number(value) : value;
}
