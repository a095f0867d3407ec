import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Knex } from 'knex';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REPOSITORIES } from '../repositories';
import { ChangeEvents } from './change-events';
import { createKnex, KNEX } from './database';

/**
 * What every feature module shares: the validated configuration, one knex instance (migrated
 * before anything uses it), the repositories and the change-event bus.
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
        ...REPOSITORIES,
      ],
      exports: [APP_CONFIG, KNEX, ChangeEvents, ...REPOSITORIES],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}
