import { INestApplication, LogLevel, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { refuseAnonymousBodies } from './common/auth/anonymous-bodies';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { parseJsonBodies } from './common/json-body';
import { JsonLogger } from './common/logging/json-logger';
import { SecretRedactor } from './common/logging/redact';
import { ShutdownState } from './common/shutdown-state';
import { AppConfig, secretsOf } from './config/config';
import { observeRequests } from './monitoring/request-observer';
import { Telemetry } from './telemetry/telemetry';

const LOG_LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  silent: [],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** The service's logger: JSON lines at the configured level, configured secrets scrubbed. */
export function createLogger(config: AppConfig): JsonLogger {
  return new JsonLogger(LOG_LEVELS[config.logLevel], new SecretRedactor(secretsOf(config)));
}

/**
 * Builds the whole HTTP application; main.ts and the integration tests share it. Signal handling
 * is main.ts's (see graceful-shutdown.ts): tests close their apps themselves.
 */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: createLogger(config),
    bodyParser: false,
    // A failed start (database unreachable) is thrown to the caller, which logs it and exits 1,
    // instead of Nest's default process.abort().
    abortOnError: false,
  });
  // Before the body parser, so that requests it rejects get an id, a log line and a count.
  app.use(observeRequests(app.get(Telemetry), app.get(ShutdownState)));
  // Behind an ingress, req.ip (the per-address rate limit's key) is the client's only if its hop is trusted.
  app.set('trust proxy', config.trustProxyHops);
  // Express hashes every response body for an ETag (about 30 µs for a 7 KB list of
  // recommendations); personalised and POSTed answers are never revalidated, so it is pure cost.
  app.set('etag', false);
  // Helmet's defaults suit Swagger UI (its scripts are files, not inline), except that upgrading
  // to https would break /docs reached over plain http inside a cluster.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  if (config.corsOrigins.length > 0) {
    // Bearer tokens travel in a header, so no credentials (cookies) are needed across origins.
    app.enableCors({
      origin: config.corsOrigins,
      credentials: false,
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
    });
  }
  if (config.auth.required) app.use(refuseAnonymousBodies());
  app.use(parseJsonBodies());
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new HttpExceptionFilter());
  if (config.docsEnabled) setUpSwagger(app);
  return app;
}

function setUpSwagger(app: INestApplication): void {
  const document = new DocumentBuilder()
    .setTitle('ml-service')
    .setDescription(
      'Recommendations that learn from saves, hides, clicks and skips; A/B experiments between algorithms; ' +
        'a versioned model registry. Every error body is {"detail": "..."}.',
    )
    .setVersion('1.0.0')
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('api-key')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, document), { jsonDocumentUrl: 'docs-json' });
}
