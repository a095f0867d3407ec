import { Knex } from 'knex';
import { DatabaseConfig, loadConfig } from '../config/config';
import { createKnex } from '../database/database';
import { migrateToLatest } from '../database/migrations';
import { describeFailure } from './failure';

/**
 * Applies pending migrations and exits, for operators who want schema changes applied (and any
 * failure seen) before a rollout, as the optional k8s migration Job does. Every instance also
 * migrates at start, under the same lock (migrateToLatest), so this is never required.
 * Exit status 0 on success, 1 on failure.
 */
async function migrate(): Promise<number> {
  let database: DatabaseConfig | undefined;
  let db: Knex | undefined;
  try {
    database = loadConfig().database;
    db = createKnex(database);
    const [batch, ran] = await migrateToLatest(db);
    if (ran.length === 0) {
      console.log('Already up to date');
    } else {
      console.log(`Batch ${batch} ran ${ran.length} migration(s):`);
      for (const name of ran) console.log(`  ${name}`);
    }
    return 0;
  } catch (error) {
    console.error(`migration failed: ${describeFailure(error, database)}`);
    return 1;
  } finally {
    await db?.destroy();
  }
}

void migrate().then((code) => {
  process.exitCode = code;
});
