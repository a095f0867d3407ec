import { Knex } from 'knex';

/**
 * The traffic split in force over time: a row each time an experiment's variant shares change
 * (and one at creation). The sample-ratio check compares participants with what the splits in
 * force when they were assigned would give, so a mid-experiment traffic change is not mistaken
 * for broken assignment. Existing experiments get their current split from their creation on.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('experiment_splits', (t) => {
    t.bigIncrements('id').primary();
    t.string('experiment_id', 191).notNullable().collate('utf8mb4_bin');
    t.text('shares').notNullable();
    t.bigInteger('effective_at').notNullable();
    t.index(['experiment_id', 'effective_at']);
  });
  const experiments: { id: string; variants: string; created_at: number | string }[] = await db('experiments').select(
    'id',
    'variants',
    'created_at',
  );
  for (const e of experiments) {
    const variants = JSON.parse(e.variants) as { variant_id: string; traffic_percentage: number }[];
    const shares = Object.fromEntries(variants.map((v) => [v.variant_id, v.traffic_percentage]));
    await db('experiment_splits').insert({
      experiment_id: e.id,
      shares: JSON.stringify(shares),
      effective_at: Number(e.created_at),
    });
  }
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('experiment_splits');
}
