import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { AppConfig, DatabaseConfig, loadConfig } from '../../src/config/config';
import { createTestDatabase, Dialect, MYSQL_TEST_URL, TestDatabase } from './databases';
import { TcpProxy } from './tcp-proxy';

export interface TestApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  config: AppConfig;
  close(): Promise<void>;
}

/**
 * Boots the real application over HTTP on a fresh database of the dialect.
 * `env` overrides environment variables exactly as an operator would set them; `route` may
 * send the app's database connections elsewhere (through a proxy the test controls).
 */
export async function startTestApp(
  dialect: Dialect,
  env: Record<string, string> = {},
  route: (database: DatabaseConfig) => DatabaseConfig = (database) => database,
): Promise<TestApp> {
  const database: TestDatabase = await createTestDatabase(dialect);
  const config: AppConfig = {
    ...loadConfig({ ENVIRONMENT: 'test', SEED_DEMO_DATA: 'false', LOG_LEVEL: 'error', ...env }),
    database: route(database.config),
  };
  const app = await createApp(config);
  await app.init();
  return {
    app,
    http: request(app.getHttpServer()),
    config,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/**
 * Boots one more instance of the application on an existing configuration's database, as a second
 * replica of a Deployment would. Closing it leaves the database to whoever created it.
 */
export async function startReplica(config: AppConfig): Promise<TestApp> {
  const app = await createApp(config);
  await app.init();
  return { app, http: request(app.getHttpServer()), config, close: () => app.close() };
}

export interface TestAppBehindProxy extends TestApp {
  /** Between the app and the database: `cut()` makes the database unreachable, `start()` restores it. */
  proxy: TcpProxy;
}

/**
 * Boots the application on MySQL with its database connections going through a proxy, so the test
 * can cut the database away (`proxy.cut()`). Closing restores the proxy first, so the app closes
 * cleanly and the database can be dropped.
 */
export async function startTestAppBehindProxy(env: Record<string, string> = {}): Promise<TestAppBehindProxy> {
  const server = new URL(MYSQL_TEST_URL as string);
  const proxy = new TcpProxy(server.hostname, Number(server.port || 3306));
  await proxy.start();
  const t = await startTestApp('mysql', env, (database) =>
    database.client === 'mysql' ? { ...database, host: '127.0.0.1', port: proxy.port } : database,
  );
  const close = async () => {
    await proxy.start();
    await t.close();
    await proxy.cut();
  };
  return { ...t, proxy, close };
}
