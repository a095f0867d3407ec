import { Knex } from 'knex';

/**
 * One schema for SQLite and MySQL. Times are epoch milliseconds in BIGINT columns: identical on
 * both dialects, no time-zone conversion, cheap to index and compare. Lists and free metadata
 * are JSON text.
 */
const ID = 191; // the longest utf8mb4 VARCHAR MySQL can index

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('items', (t) => {
    t.string('id', ID).primary();
    t.string('name', 500).notNullable();
    t.string('type', 100).nullable();
    t.string('city', 191).nullable();
    t.string('venue', 500).nullable();
    t.bigInteger('starts_at').nullable();
    t.bigInteger('ends_at').nullable();
    t.text('genres').notNullable();
    t.text('artists').notNullable();
    t.text('tags').notNullable();
    t.text('metadata', 'mediumtext').notNullable();
    t.boolean('is_placeholder').notNullable().defaultTo(false);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('deleted_at').nullable();
    t.index(['city']);
    t.index(['deleted_at']);
  });

  await db.schema.createTable('users', (t) => {
    t.string('id', ID).primary();
    t.string('city', 191).nullable();
    t.text('preferences').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await db.schema.createTable('interactions', (t) => {
    t.bigIncrements('id').primary();
    t.string('feedback_id', ID).nullable().unique();
    t.string('user_id', ID).notNullable();
    t.string('item_id', ID).notNullable();
    t.string('action', 16).notNullable();
    t.double('value').nullable();
    t.string('recommendation_id', 64).nullable();
    t.integer('position').nullable();
    t.bigInteger('occurred_at').notNullable();
    t.bigInteger('received_at').notNullable();
    // A user's history (and what arrived since a model's snapshot) is read by user and id.
    t.index(['user_id', 'id']);
    t.index(['item_id']);
    t.index(['occurred_at']);
    t.index(['recommendation_id']);
  });

  await db.schema.createTable('experiments', (t) => {
    t.string('id', ID).primary();
    t.string('name', 500).notNullable();
    t.text('description').notNullable();
    t.string('status', 16).notNullable();
    t.text('variants').notNullable();
    t.text('metrics_tracked').notNullable();
    t.bigInteger('start_at').nullable();
    t.bigInteger('end_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await db.schema.createTable('experiment_assignments', (t) => {
    t.string('experiment_id', ID).notNullable();
    t.string('user_id', ID).notNullable();
    t.string('variant_id', 100).notNullable();
    t.bigInteger('assigned_at').notNullable();
    t.primary(['experiment_id', 'user_id']);
    t.index(['experiment_id', 'variant_id']);
  });

  await db.schema.createTable('impressions', (t) => {
    t.bigIncrements('id').primary();
    t.string('recommendation_id', 64).notNullable();
    t.string('user_id', ID).notNullable();
    t.string('experiment_id', ID).notNullable();
    t.string('variant_id', 100).notNullable();
    t.string('algorithm', 64).notNullable();
    t.text('item_ids').notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['experiment_id', 'variant_id']);
    t.index(['recommendation_id']);
    t.index(['user_id', 'created_at']);
  });

  await db.schema.createTable('model_versions', (t) => {
    t.increments('id').primary();
    t.string('version', 32).notNullable();
    t.string('algorithm', 64).notNullable();
    t.text('params').notNullable();
    t.string('status', 16).notNullable();
    t.bigInteger('window_start').nullable();
    t.bigInteger('window_end').nullable();
    t.integer('training_samples').notNullable().defaultTo(0);
    t.integer('duration_ms').nullable();
    t.text('metrics').nullable();
    t.string('checksum', 64).nullable();
    t.integer('artifact_bytes').nullable();
    t.bigInteger('last_interaction_id').nullable();
    t.text('error').nullable();
    t.text('reason').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('finished_at').nullable();
    t.bigInteger('activated_at').nullable();
    t.index(['algorithm', 'status']);
    t.unique(['algorithm', 'version']);
  });

  await db.schema.createTable('model_artifact_chunks', (t) => {
    t.integer('model_id').unsigned().notNullable().references('model_versions.id').onDelete('CASCADE');
    t.integer('seq').notNullable();
    // BLOB on MySQL caps at 64 KiB; chunks are up to a few MiB.
    if ((db.client as Knex.Client).config.client === 'mysql2') t.specificType('data', 'LONGBLOB').notNullable();
    else t.binary('data').notNullable();
    t.primary(['model_id', 'seq']);
  });

  await db.schema.createTable('leases', (t) => {
    t.string('name', 100).primary();
    t.string('holder', 191).notNullable();
    t.bigInteger('expires_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of [
    'leases',
    'model_artifact_chunks',
    'model_versions',
    'impressions',
    'experiment_assignments',
    'experiments',
    'interactions',
    'users',
    'items',
  ]) {
    await db.schema.dropTableIfExists(table);
  }
}
