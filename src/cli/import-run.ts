import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Knex } from 'knex';
import { DatabaseConfig, loadConfig } from '../config/config';
import { createKnex } from '../database/database';
import { migrateToLatest } from '../database/migrations';
import { InteractionsRepository } from '../repositories/interactions.repository';
import { ItemsRepository } from '../repositories/items.repository';
import { KnownItemIds } from '../repositories/known-item-ids';
import { describeFailure } from './failure';
import { ImportInput, ImportOptions } from './import-options';
import { formatImportReport } from './import-report';
import { ImportSource } from './import-source';
import { Importer, ImportWriter } from './importer';
import { jsonlSource } from './jsonl-source';
import { movieLensSources } from './movielens-source';
import { Progress } from './progress';

const DRY_RUN_WRITER: ImportWriter = {
  upsertItems: async () => undefined,
  appendFeedback: async (events) => events.length,
};

/**
 * Each batch is one transaction, the repositories' own transactions nesting in it as savepoints:
 * SQLite then writes a touched index page once per batch instead of once per 500 rows.
 */
function repositoryWriter(db: Knex): ImportWriter {
  return {
    upsertItems: (writes) =>
      db.transaction(async (trx) => {
        await new ItemsRepository(trx).upsert(writes);
      }),
    appendFeedback: (events) =>
      db.transaction(async (trx) => {
        return new InteractionsRepository(trx, new KnownItemIds()).append(events);
      }),
  };
}

/** Opens every input before the database is touched, so a typo in a path costs nothing. */
function openSources(input: ImportInput): ImportSource[] {
  if (input.format === 'movielens') return movieLensSources(input.dir);
  const sources: ImportSource[] = [];
  if (input.itemsFile !== undefined) sources.push(jsonlSource('item', input.itemsFile));
  if (input.feedbackFile !== undefined) sources.push(jsonlSource('feedback', input.feedbackFile));
  return sources;
}

/** Runs the import and returns the exit status: 0 when it ran (rejected lines included), 1 on a fatal error. */
export async function runImport(options: ImportOptions): Promise<number> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  let database: DatabaseConfig | undefined;
  let db: Knex | undefined;
  let importer: Importer | undefined;
  try {
    const sources = openSources(options.input);
    let writer = DRY_RUN_WRITER;
    if (!options.dryRun) {
      database = loadConfig().database;
      db = createKnex(database);
      // As the service does on start-up: an import into a fresh database needs the tables.
      await migrateToLatest(db);
      writer = repositoryWriter(db);
    }
    const progress = new Progress(sources.reduce((total, source) => total + source.size, 0));
    importer = new Importer(writer, options.batchSize, Date.now());
    try {
      await importer.run(sources, (done) => progress.update(done));
    } finally {
      progress.finish();
    }
    console.log(formatImportReport(importer.stats, seconds(), options.dryRun));
    return 0;
  } catch (error) {
    // What was stored before the failure stays stored; saying how much tells whether to re-run.
    if (importer !== undefined) console.error(formatImportReport(importer.stats, seconds(), options.dryRun));
    console.error(`import failed: ${describeFailure(error, database)}`);
    return 1;
  } finally {
    await db?.destroy();
  }
}
