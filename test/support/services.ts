import { Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { createLogger } from '../../src/app.factory';
import { AppModule } from '../../src/app.module';
import { AppConfig, loadConfig } from '../../src/config/config';
import { createTestDatabase, Dialect } from './databases';

export interface TestServices {
  config: AppConfig;
  /** The application's own instance of a provider: the real class, wired as in production. */
  get<T>(type: Type<T>): T;
  close(): Promise<void>;
}

/**
 * The whole application module on a fresh database of the dialect, without HTTP: for tests of a
 * service's rules that call it directly. `env` is read as an operator's environment would be.
 */
export async function startTestServices(dialect: Dialect, env: Record<string, string> = {}): Promise<TestServices> {
  const database = await createTestDatabase(dialect);
  const config: AppConfig = {
    ...loadConfig({ ENVIRONMENT: 'test', SEED_DEMO_DATA: 'false', LOG_LEVEL: 'error', ...env }),
    database: database.config,
  };
  let moduleRef: TestingModule;
  try {
    moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .setLogger(createLogger(config))
      .compile();
    await moduleRef.init();
  } catch (error) {
    await database.drop();
    throw error;
  }
  return {
    config,
    get: (type) => moduleRef.get(type),
    close: async () => {
      await moduleRef.close();
      await database.drop();
    },
  };
}
