import { Knex } from 'knex';

/**
 * A feedback_id makes one user's retries harmless. Unique across all users, it let one user's id
 * swallow another's event (acknowledged as a duplicate, never stored) and told them the id was
 * taken; the key is (user_id, feedback_id). The new index is built before the old one goes, so
 * uniqueness holds throughout.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('interactions', (t) => {
    t.unique(['user_id', 'feedback_id']);
  });
  await db.schema.alterTable('interactions', (t) => {
    t.dropUnique(['feedback_id']);
  });
}

/** Fails where two users now share a feedback_id. */
export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('interactions', (t) => {
    t.unique(['feedback_id']);
  });
  await db.schema.alterTable('interactions', (t) => {
    t.dropUnique(['user_id', 'feedback_id']);
  });
}
