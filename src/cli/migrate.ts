import { Knex } from 'knex';
import { createKnex } from '../common/database';
import { DatabaseConfig, loadConfig } from '../config/config';
import { describeFailure } from './failure';

/**
 * Applies pending migrations and exits: the k8s migration Job runs this before a rollout, so
 * replicas never race each other to change the schema. Exit status 0 on success, 1 on failure.
 */
async function migrate(): Promise<number> {
  let database: DatabaseConfig | undefined;
  let db: Knex | undefined;
  try {
    database = loadConfig().database;
    db = createKnex(database);
    const [batch, ran] = (await db.migrate.latest()) as [number, string[]];
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
