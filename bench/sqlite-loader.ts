import Database from 'better-sqlite3';
import { createKnex } from '../src/database/database';
import { BenchDataset, actionOf, valueOf } from './dataset';

/** Runs the service's own migrations (dist/migrations) on a fresh SQLite file. */
export async function migrateSqlite(filename: string): Promise<void> {
  const db = createKnex({ client: 'sqlite', filename });
  try {
    await db.migrate.latest();
  } finally {
    await db.destroy();
  }
}

/**
 * Writes the dataset straight into the migrated file: one transaction, prepared statements, the
 * interactions indexes dropped during the load and rebuilt once after it (the same SQL the
 * migration created), which is several times faster than maintaining them row by row.
 * Millions of rows this way take seconds; through the HTTP API they would take many minutes.
 */
export function loadIntoSqlite(filename: string, dataset: BenchDataset): { seconds: number } {
  const started = performance.now();
  const db = new Database(filename);
  try {
    db.pragma('journal_mode = WAL');
    // A benchmark file can be regenerated; durability during the bulk load buys nothing.
    db.pragma('synchronous = OFF');
    const indexes = db
      .prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'interactions' AND sql IS NOT NULL",
      )
      .all() as { name: string; sql: string }[];
    db.transaction(() => {
      for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);
      insertItems(db, dataset);
      insertUsers(db, dataset);
      insertInteractions(db, dataset);
      for (const index of indexes) db.exec(index.sql);
    })();
    db.exec('ANALYZE');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return { seconds: (performance.now() - started) / 1000 };
}

function insertItems(db: Database.Database, dataset: BenchDataset): void {
  const insert = db.prepare(
    `INSERT INTO items (id, name, type, city, venue, starts_at, ends_at, genres, artists, tags, metadata, is_placeholder, created_at, updated_at, deleted_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', 0, ?, ?, NULL)`,
  );
  const now = Date.now();
  for (const item of dataset.items) {
    insert.run(
      item.id,
      item.name,
      item.type,
      item.city,
      item.venue,
      item.startsAt,
      item.endsAt,
      JSON.stringify(item.genres),
      JSON.stringify(item.artists),
      JSON.stringify(item.tags),
      now,
      now,
    );
  }
}

function insertUsers(db: Database.Database, dataset: BenchDataset): void {
  const insert = db.prepare('INSERT INTO users (id, city, preferences, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  const now = Date.now();
  for (const user of dataset.users) insert.run(user.id, user.city, JSON.stringify(user.preferences), now, now);
}

function insertInteractions(db: Database.Database, dataset: BenchDataset): void {
  const insert = db.prepare(
    `INSERT INTO interactions (user_id, item_id, action, value, occurred_at, received_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const { events, users, items } = dataset;
  for (let k = 0; k < events.user.length; k++) {
    const occurredAt = events.occurredAt[k];
    insert.run(
      users[events.user[k]].id,
      items[events.item[k]].id,
      actionOf(events, k),
      valueOf(events, k),
      occurredAt,
      occurredAt,
    );
  }
}
