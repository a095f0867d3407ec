import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IncomingMessage } from 'node:http';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import fastifyStatic from '@fastify/static';
import { AppModule } from './app.module';
import { refuseAnonymousBodies } from './common/auth/anonymous-bodies';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { MAX_JSON_BODY_BYTES, parseJsonBodies } from './common/json-body';
import { JsonLogger } from './common/logging/json-logger';
import { acceptRequestId } from './common/logging/request-context';
import { SecretRedactor } from './common/logging/redact';
import { compileResponseSerializer } from './common/response-schema';
import { addSecurityHeaders } from './common/security-headers';
import { ShutdownState } from './common/shutdown-state';
import { ServiceValidationPipe } from './common/validation-pipe';
import { AppConfig, secretsOf } from './config/config';
import { DASHBOARD_DIR } from './dashboard/dashboard-assets';
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
 * Builds the whole HTTP application on Fastify; main.ts and the integration tests share it. Signal
 * handling is main.ts's (see graceful-shutdown.ts): tests close their apps themselves. The app is
 * initialised (routes registered, Fastify ready) when this resolves.
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Behind an ingress, request.ip (the per-address rate limit's key) is the client's only if its
    // hop is trusted. Fastify refuses to trust a bare hop count (it cannot check the immediate
    // peer), so the count is a function: the nearest `hops` addresses are proxies, as in Express.
    trustProxy: config.trustProxyHops > 0 ? (_address: string, hop: number) => hop < config.trustProxyHops : false,
    // The request id is ours (request-context.ts): the caller's when acceptable, a new UUID otherwise.
    genReqId: (req: IncomingMessage) => acceptRequestId(req.headers['x-request-id']),
    bodyLimit: MAX_JSON_BODY_BYTES,
    // No Nest middleware: every per-request step is a Fastify hook, so middie's router is not needed.
    skipMiddie: true,
    // `/dashboard` and `/dashboard/` are one route, as in Express's default (non-strict) routing.
    routerOptions: { ignoreTrailingSlash: true },
  });
  // Before any route exists: every route's response schema is compiled through it.
  adapter.getInstance().setSerializerCompiler(compileResponseSerializer);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: createLogger(config),
    bodyParser: false,
    // A failed start (database unreachable) is thrown to the caller, which logs it and exits 1,
    // instead of Nest's default process.abort().
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // First, so that requests refused by any later step get an id, a log line and a count.
  observeRequests(fastify, app.get(Telemetry), app.get(ShutdownState));
  // Helmet's defaults suit Swagger UI (its scripts are files, not inline), except that upgrading
  // to https would break /docs reached over plain http inside a cluster.
  addSecurityHeaders(fastify, { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
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
  // reply.sendFile for the dashboard's controller (ETag and 304s included); it serves no route itself.
  await app.register(fastifyStatic, { root: DASHBOARD_DIR, serve: false });
  if (config.auth.required) refuseAnonymousBodies(fastify);
  parseJsonBodies(fastify);
  app.useGlobalPipes(new ServiceValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  if (config.docsEnabled) setUpSwagger(app);
  await app.init();
  await fastify.ready();
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
