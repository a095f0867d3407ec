import { Knex } from 'knex';

const ID = 191;
const COPY_BATCH = 1000;

/**
 * One compact row per list shown under an experiment, instead of an impression row plus one
 * impression_items row per item (21 rows for a list of 20). The items shown are packed in
 * `item_ids` as ` a b c ` (ids cannot contain whitespace, so a space delimits them, with one
 * at each end): "was item X in this list" is `instr(item_ids, ' X ')`, which both dialects
 * answer inside the attribution query, per row of the user's impressions in the window, found
 * by the (experiment_id, user_id, created_at) index. The algorithm column goes: the variant
 * names it. Ids compare byte for byte on MySQL too (utf8mb4_bin), as everywhere since exact_ids.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('impressions_compact', (t) => {
    t.bigIncrements('id').primary();
    exactId(t.string('recommendation_id', 64).notNullable());
    exactId(t.string('experiment_id', ID).notNullable());
    exactId(t.string('variant_id', 100).notNullable());
    exactId(t.string('user_id', ID).notNullable());
    exactId(t.text('item_ids').notNullable());
    t.bigInteger('created_at').notNullable();
    t.index(['experiment_id', 'user_id', 'created_at'], 'impressions_exposure_index');
    t.index(['recommendation_id'], 'impressions_recommendation_index');
  });

  // Copied in id order, a batch at a time, so memory stays flat however large the old table is.
  let after = 0;
  for (;;) {
    const rows: OldImpression[] = await db('impressions')
      .where('id', '>', after)
      .orderBy('id')
      .limit(COPY_BATCH)
      .select('id', 'recommendation_id', 'experiment_id', 'variant_id', 'user_id', 'item_ids', 'created_at');
    if (rows.length === 0) break;
    await db('impressions_compact').insert(
      rows.map((row) => ({
        recommendation_id: row.recommendation_id,
        experiment_id: row.experiment_id,
        variant_id: row.variant_id,
        user_id: row.user_id,
        item_ids: packItemIds(parseItemIds(row.item_ids)),
        created_at: row.created_at,
      })),
    );
    after = Number(rows[rows.length - 1].id);
  }

  await db.schema.dropTable('impression_items');
  await db.schema.dropTable('impressions');
  await db.schema.renameTable('impressions_compact', 'impressions');
}

/** Back to the two tables; each list's items become impression_items rows again. */
export async function down(db: Knex): Promise<void> {
  await db.schema.createTable('impressions_wide', (t) => {
    t.bigIncrements('id').primary();
    exactId(t.string('recommendation_id', 64).notNullable());
    exactId(t.string('user_id', ID).notNullable());
    exactId(t.string('experiment_id', ID).notNullable());
    exactId(t.string('variant_id', 100).notNullable());
    t.string('algorithm', 64).notNullable();
    t.text('item_ids').notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['experiment_id', 'variant_id']);
    t.index(['recommendation_id']);
    t.index(['user_id', 'created_at']);
  });
  await db.schema.createTable('impression_items', (t) => {
    t.bigIncrements('id').primary();
    exactId(t.string('experiment_id', ID).notNullable());
    exactId(t.string('variant_id', 100).notNullable());
    exactId(t.string('user_id', ID).notNullable());
    exactId(t.string('item_id', ID).notNullable());
    t.bigInteger('shown_at').notNullable();
    t.index(['experiment_id', 'user_id', 'item_id', 'shown_at']);
  });
  let after = 0;
  for (;;) {
    const rows: CompactImpression[] = await db('impressions')
      .where('id', '>', after)
      .orderBy('id')
      .limit(COPY_BATCH)
      .select('id', 'recommendation_id', 'experiment_id', 'variant_id', 'user_id', 'item_ids', 'created_at');
    if (rows.length === 0) break;
    await db('impressions_wide').insert(
      rows.map((row) => ({
        recommendation_id: row.recommendation_id,
        user_id: row.user_id,
        experiment_id: row.experiment_id,
        variant_id: row.variant_id,
        algorithm: 'unknown',
        item_ids: JSON.stringify(row.item_ids.trim().split(' ').filter(Boolean)),
        created_at: row.created_at,
      })),
    );
    const items = rows.flatMap((row) =>
      [...new Set(row.item_ids.trim().split(' ').filter(Boolean))].map((itemId) => ({
        experiment_id: row.experiment_id,
        variant_id: row.variant_id,
        user_id: row.user_id,
        item_id: itemId,
        shown_at: row.created_at,
      })),
    );
    for (let start = 0; start < items.length; start += COPY_BATCH) {
      await db('impression_items').insert(items.slice(start, start + COPY_BATCH));
    }
    after = Number(rows[rows.length - 1].id);
  }
  await db.schema.dropTable('impressions');
  await db.schema.renameTable('impressions_wide', 'impressions');
}

interface OldImpression {
  id: number | string;
  recommendation_id: string;
  experiment_id: string;
  variant_id: string;
  user_id: string;
  item_ids: string;
  created_at: number | string;
}

type CompactImpression = OldImpression;

function exactId(column: Knex.ColumnBuilder): Knex.ColumnBuilder {
  return column.collate('utf8mb4_bin');
}

function parseItemIds(json: string): string[] {
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
}

/** As ImpressionsRepository packs them; repeated here so the migration never changes with the code. */
function packItemIds(itemIds: string[]): string {
  return ` ${[...new Set(itemIds)].join(' ')} `;
}
