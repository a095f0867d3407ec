import { Knex } from 'knex';

/** Replicas read the items changed in the last minute every second: a range scan, not a table scan. */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('items', (t) => t.index(['updated_at']));
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('items', (t) => t.dropIndex(['updated_at']));
}
