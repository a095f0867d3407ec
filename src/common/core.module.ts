import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Knex } from 'knex';
import { APP_CONFIG, AppConfig } from '../config/config';
import { createKnex, KNEX } from '../database/database';
import { migrateToLatest } from '../database/migrations';
import { openSqliteReader, SQLITE_READER, SqliteReader } from '../database/sqlite-reader';
import { WalCheckpointer } from '../database/wal-checkpointer';
import { REPOSITORIES } from '../repositories';
import { KnownItemIds } from '../repositories/known-item-ids';
import { ChangeEvents } from './change-events';
import { ShutdownState } from './shutdown-state';

/**
 * What every feature module shares: the validated configuration, one knex instance (migrated
 * before anything uses it), on SQLite a read connection for the per-request queries, the
 * repositories, the change-event bus and the shutdown state. Global because every feature module
 * needs some of them.
 */
@Global()
@Module({})
export class CoreModule implements OnApplicationShutdown {
  constructor(
    @Inject(KNEX) private readonly db: Knex,
    @Inject(SQLITE_READER) private readonly reader: SqliteReader,
  ) {}

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        {
          provide: KNEX,
          useFactory: async () => {
            const db = createKnex(config.database);
            await migrateToLatest(db);
            return db;
          },
        },
        // Injected after KNEX so the file exists and is migrated before it is opened.
        { provide: SQLITE_READER, useFactory: () => openSqliteReader(config.database), inject: [KNEX] },
        ChangeEvents,
        ShutdownState,
        WalCheckpointer,
        KnownItemIds,
        ...REPOSITORIES,
      ],
      exports: [APP_CONFIG, KNEX, SQLITE_READER, ChangeEvents, ShutdownState, ...REPOSITORIES],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.reader?.close();
    await this.db.destroy();
  }
}
