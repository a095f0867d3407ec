import { Knex } from 'knex';
import { isMysql } from './database';

/** How long a starting instance waits for another one's migrations before giving up. */
const MIGRATION_LOCK_WAIT_SECONDS = 600;

/**
 * Applies pending migrations, returning knex's [batch, names run]. Every instance does this at
 * start. On MySQL it first takes a server lock named after the database (GET_LOCK: held by one
 * connection, freed by the server if the process dies), so replicas starting together wait for the
 * one migrating and then find nothing left to do. knex's own lock row is not enough: an instance
 * that finds it taken fails instead of waiting, and two creating knex's tables at once can insert
 * two lock rows, which makes every later migration fail. SQLite has one writer per file.
 */
export async function migrateToLatest(db: Knex): Promise<[number, string[]]> {
  const migrate = () => db.migrate.latest() as Promise<[number, string[]]>;
  if (!isMysql(db)) return migrate();
  const client = db.client as Knex.Client;
  const connection: unknown = await client.acquireConnection();
  const lockName = "LEFT(CONCAT('ml_service_migrations.', DATABASE()), 64)";
  try {
    const [rows] = await db
      .raw<[{ taken: number | null }[]]>(`SELECT GET_LOCK(${lockName}, ?) AS taken`, [MIGRATION_LOCK_WAIT_SECONDS])
      .connection(connection);
    if (rows[0].taken !== 1) {
      throw new Error(
        `another instance has been migrating this database for over ${MIGRATION_LOCK_WAIT_SECONDS} s; is it stuck?`,
      );
    }
    try {
      return await migrate();
    } finally {
      await db.raw(`SELECT RELEASE_LOCK(${lockName})`).connection(connection);
    }
  } finally {
    await client.releaseConnection(connection);
  }
}
