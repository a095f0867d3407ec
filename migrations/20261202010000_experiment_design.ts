import { Knex } from 'knex';

/**
 * What an experiment declares before its data comes in: the primary metric its verdict is about,
 * guardrail metrics (JSON list), the inference mode and the lift its duration estimate targets.
 * Existing experiments read as click-through rate, no guardrails, sequential, 5% (nulls here).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('experiments', (t) => {
    t.string('primary_metric', 32).nullable();
    t.text('guardrail_metrics').nullable();
    t.string('inference', 16).nullable();
    t.double('target_lift').nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('experiments', (t) => {
    t.dropColumn('target_lift');
    t.dropColumn('inference');
    t.dropColumn('guardrail_metrics');
    t.dropColumn('primary_metric');
  });
}
