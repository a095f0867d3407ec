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

/**
 * Boots the application on MySQL through a TCP proxy the test can cut, to take the database away
 * from it (and from any replica started on its configuration) without touching the server.
 */
export async function startBehindProxy(env: Record<string, string>): Promise<{ t: TestApp; proxy: TcpProxy }> {
  const server = new URL(MYSQL_TEST_URL as string);
  const proxy = new TcpProxy(server.hostname, Number(server.port || 3306));
  await proxy.start();
  const t = await startTestApp('mysql', env, (database) => (database.client === 'mysql' ? { ...database, host: '127.0.0.1', port: proxy.port } : database));
  return { t, proxy };
}
