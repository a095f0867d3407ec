import { Knex } from 'knex';

/**
 * Ids are exact strings. On MySQL a column takes the database's default collation unless told
 * otherwise — utf8mb4_general_ci on a stock MariaDB — which matches "ALICE" and "Alicé" to
 * "alice": another user's profile and history. Every id column becomes utf8mb4_bin (compared by
 * code point); MySQL rewrites each table to do it, once per table. SQLite compares text byte for
 * byte already, so there this does nothing.
 */
const ID_COLUMNS: Record<string, string[]> = {
  items: ['id'],
  users: ['id'],
  interactions: ['feedback_id', 'user_id', 'item_id', 'recommendation_id'],
  experiments: ['id'],
  experiment_assignments: ['experiment_id', 'user_id', 'variant_id'],
  impressions: ['recommendation_id', 'user_id', 'experiment_id', 'variant_id'],
  impression_items: ['experiment_id', 'variant_id', 'user_id', 'item_id'],
  model_versions: ['algorithm', 'version'],
  leases: ['name', 'holder'],
};

export async function up(db: Knex): Promise<void> {
  await collateIds(db, () => 'utf8mb4_bin');
}

/** Back to the database's default collation: fails where ids that differ only in case or accents now both exist. */
export async function down(db: Knex): Promise<void> {
  await collateIds(db, async () => {
    const [[row]] = (await db.raw('SELECT @@collation_database AS collation')) as [{ collation: string }[]];
    return row.collation;
  });
}

async function collateIds(db: Knex, collation: () => string | Promise<string>): Promise<void> {
  if ((db.client as Knex.Client).config.client !== 'mysql2') return;
  const target = await collation();
  for (const [table, columns] of Object.entries(ID_COLUMNS)) {
    // Each column keeps its type and nullability as stored, whatever an earlier migration made them.
    const [found] = (await db.raw(
      `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME IN (${columns.map(() => '?').join(', ')})`,
      [table, ...columns],
    )) as [{ name: string; type: string; nullable: 'YES' | 'NO' }[]];
    if (found.length !== columns.length) throw new Error(`${table} lacks some of the id columns ${columns.join(', ')}`);
    const changes = found.map(
      (c) =>
        `MODIFY \`${c.name}\` ${c.type} CHARACTER SET utf8mb4 COLLATE ${target} ${c.nullable === 'YES' ? 'NULL' : 'NOT NULL'}`,
    );
    await db.raw(`ALTER TABLE \`${table}\` ${changes.join(', ')}`);
  }
}
