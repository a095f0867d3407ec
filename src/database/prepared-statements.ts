import type { Database, Statement } from 'better-sqlite3';

/** Prepared statements by SQL, per connection: a statement belongs to the connection that prepared it. */
const preparedByConnection = new WeakMap<Database, Map<string, Statement>>();

/** The connection's statement for `sql`, prepared on first use and kept for every later call. */
export function prepared(connection: Database, sql: string): Statement {
  let statements = preparedByConnection.get(connection);
  if (!statements) preparedByConnection.set(connection, (statements = new Map<string, Statement>()));
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = connection.prepare(sql)));
  return statement;
}
