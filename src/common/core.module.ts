import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Knex } from 'knex';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REPOSITORIES } from '../repositories';
import { ChangeEvents } from './change-events';
import { createKnex, KNEX } from './database';
import { ShutdownState } from './shutdown-state';
import { WalCheckpointer } from './wal-checkpointer';

/**
 * What every feature module shares: the validated configuration, one knex instance (migrated
 * before anything uses it), the repositories, the change-event bus and the shutdown state.
 */
@Global()
@Module({})
export class CoreModule implements OnApplicationShutdown {
  constructor(@Inject(KNEX) private readonly db: Knex) {}

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        {
          provide: KNEX,
          useFactory: async () => {
            const db = createKnex(config.database);
            await db.migrate.latest();
            return db;
          },
        },
        ChangeEvents,
        ShutdownState,
        WalCheckpointer,
        ...REPOSITORIES,
      ],
      exports: [APP_CONFIG, KNEX, ChangeEvents, ShutdownState, ...REPOSITORIES],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}
