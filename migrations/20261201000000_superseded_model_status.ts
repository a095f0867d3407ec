import { Knex } from 'knex';

/**
 * A version replaced by another activation used to go back to `candidate`, which reads as "never
 * served". Only activation sets activated_at, so a candidate that has one was active once.
 */
export async function up(db: Knex): Promise<void> {
  await db('model_versions')
    .where({ status: 'candidate' })
    .whereNotNull('activated_at')
    .update({ status: 'superseded' });
}

export async function down(db: Knex): Promise<void> {
  await db('model_versions').where({ status: 'superseded' }).update({ status: 'candidate' });
}
