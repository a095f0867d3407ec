import 'reflect-metadata';
// Before anything that loads Nest, knex or mysql2: the instrumentations patch them as they load.
import { tracing } from './tracing/start';
import { Logger } from '@nestjs/common';
import { createApp, createLogger } from './app.factory';
import { shutDownGracefullyOnSignals } from './common/graceful-shutdown';
import { JsonLogger } from './common/logging/json-logger';
import { SecretRedactor } from './common/logging/redact';
import { ConfigError, loadConfig } from './config/config';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      // A JSON line like every other; the messages never contain the values of secrets.
      new JsonLogger(['error'], new SecretRedactor([])).error(error.message, 'Config');
      process.exit(1);
    }
    throw error;
  }
  Logger.overrideLogger(createLogger(config));
  try {
    const app = await createApp(config);
    // Every IPv4 interface, as Express did through Node's default: Fastify's own default is localhost only.
    await app.listen(config.port, '0.0.0.0');
    shutDownGracefullyOnSignals(
      app,
      { delayMs: config.shutdownDelayMs, timeoutMs: config.shutdownTimeoutMs },
      // The spans of the last requests and of the shutdown itself, still in the batch.
      async () => tracing?.shutdown(),
    );
    const logger = new Logger('Bootstrap');
    logger.log(`ml-service listening on port ${config.port}${config.docsEnabled ? '; Swagger UI at /docs' : ''}`);
    if (config.tracing) {
      const { endpoint, serviceName, sampleRatio } = config.tracing;
      logger.log(`tracing to ${endpoint} as ${serviceName}, ${sampleRatio * 100}% of new traces`);
    }
    if (config.environment === 'production' && !config.auth.required) {
      logger.warn(
        'AUTH_REQUIRED=false in production: anyone who can reach the service may retrain and activate models, change experiments and write the catalogue',
      );
    }
  } catch (error) {
    // Through the logger, so the failure is a JSON line with any credentials in it scrubbed.
    new Logger('Bootstrap').error(`start-up failed: ${(error as Error).message}`, (error as Error).stack);
    process.exit(1);
  }
}

void bootstrap();
