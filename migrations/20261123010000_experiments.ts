import { Knex } from 'knex';

const ID = 191;

/**
 * What A/B attribution needs beyond the initial schema:
 * - experiments.forced_assignments: QA users pinned to a variant ({user_id: variant_id} JSON).
 * - impression_items: one row per item shown under an experiment. Feedback that carries no
 *   recommendation_id is attributed when the same user was shown the same item within a window
 *   before acting; impressions.item_ids is JSON text, which neither dialect can index or join
 *   portably, so the (user, item) pairs are kept here where an index answers the lookup.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('experiments', (t) => {
    t.text('forced_assignments').nullable();
  });

  await db.schema.createTable('impression_items', (t) => {
    t.bigIncrements('id').primary();
    t.string('experiment_id', ID).notNullable();
    t.string('variant_id', 100).notNullable();
    t.string('user_id', ID).notNullable();
    t.string('item_id', ID).notNullable();
    t.bigInteger('shown_at').notNullable();
    t.index(['experiment_id', 'user_id', 'item_id', 'shown_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('impression_items');
  await db.schema.alterTable('experiments', (t) => {
    t.dropColumn('forced_assignments');
  });
}
