import { Knex } from 'knex';

/**
 * What a training run tried on its validation split before choosing its params (a tuning search,
 * hybrid's blend, popularity's half-life): JSON, one `{params, ndcg_at_10}` per trial.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('model_versions', (t) => {
    t.text('trials', 'mediumtext').nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('model_versions', (t) => {
    t.dropColumn('trials');
  });
}
