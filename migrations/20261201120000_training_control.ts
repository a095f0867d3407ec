import { Knex } from 'knex';

/**
 * Training that several replicas can trust: each version names the trainer (lease holder) that
 * runs it, so a replica can tell a live run from an orphaned one, and carries a cancel request
 * that its trainer polls, so a run can be cancelled from any replica.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('model_versions', (t) => {
    t.string('trainer', 191).nullable();
    t.boolean('cancel_requested').notNullable().defaultTo(false);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('model_versions', (t) => {
    t.dropColumn('cancel_requested');
    t.dropColumn('trainer');
  });
}
