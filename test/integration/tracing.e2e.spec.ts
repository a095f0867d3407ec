import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { createTestDatabase, databaseUrl, dialectSkip, DIALECTS, TestDatabase } from '../support/databases';
import { freePort, ServerProcess, spawnServer, waitUntilModelLoaded } from '../support/server-process';

/** A span as the OTLP/JSON body carries it, with the name of the instrumentation scope that made it. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  scope: string;
  attributes: Record<string, AttributeValue>;
  serviceName: AttributeValue;
}

type AttributeValue = string | number | boolean | undefined;

const SPAN_KIND_SERVER = 2;

/** OTLP/JSON attribute values are `{stringValue}`, `{intValue}` (a number or a string), `{boolValue}`, …: unwrapped here. */
function attributesOf(
  list: { key: string; value: Record<string, AttributeValue> }[] = [],
): Record<string, AttributeValue> {
  return Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));
}

/** An OTLP/HTTP receiver as a collector runs it: POST /v1/traces, JSON bodies, every span kept. */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly paths: string[] = [];
  private readonly server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      this.paths.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
      for (const resourceSpans of JSON.parse(body).resourceSpans ?? []) {
        const serviceName = attributesOf(resourceSpans.resource?.attributes)['service.name'];
        for (const scopeSpans of resourceSpans.scopeSpans ?? [])
          for (const span of scopeSpans.spans ?? [])
            this.spans.push({
              ...span,
              scope: scopeSpans.scope.name,
              attributes: attributesOf(span.attributes),
              serviceName,
            });
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  close(): void {
    this.server.close();
  }
}

/** One JSON log line per element, the non-JSON ones left out. */
function logLines(server: ServerProcess): Record<string, unknown>[] {
  return server.output().flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

async function recommend(server: ServerProcess, headers: Record<string, string>): Promise<Response> {
  return fetch(`${server.url}/v1/recommendations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ user_id: 'user_002', limit: 5 }),
  });
}

/** The demo catalogue, and a popularity model trained at start-up: the training run is traced too. */
const SERVICE_ENV = { SEED_DEMO_DATA: 'true', ENABLED_ALGORITHMS: 'popularity', LOG_LEVEL: 'log' };

for (const dialect of DIALECTS) {
  describe(`tracing to an OTLP/HTTP collector (${dialect})`, { timeout: 600_000, skip: dialectSkip(dialect) }, () => {
    const receiver = new OtlpReceiver();
    let database: TestDatabase;
    let server: ServerProcess;
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    let status = 0;
    let exitCode: number | null = null;

    before(async () => {
      const endpoint = await receiver.start();
      database = await createTestDatabase(dialect);
      server = spawnServer(
        {
          ...SERVICE_ENV,
          DATABASE_URL: databaseUrl(database.config),
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_SERVICE_NAME: 'ml-service-under-test',
        },
        await freePort(),
      );
      await waitUntilModelLoaded(server);
      // The caller's trace, as a gateway or the app's backend would send it, sampled.
      const response = await recommend(server, {
        traceparent: `00-${traceId}-${callerSpanId}-01`,
        'x-request-id': 'traced-request',
      });
      status = response.status;
      // SIGTERM flushes the spans still batched: everything the request made has arrived once it exits.
      exitCode = await server.stop();
    });

    after(async () => {
      receiver.close();
      await server?.kill();
      await database?.drop();
    });

    it('should answer the traced request and exit cleanly', () => {
      assert.equal(status, 200);
      assert.equal(exitCode, 0);
    });

    it('should post OTLP/JSON to <endpoint>/v1/traces under OTEL_SERVICE_NAME', () => {
      assert.ok(receiver.paths.length > 0, 'no export arrived');
      for (const path of receiver.paths) assert.equal(path, 'POST /v1/traces application/json');
      assert.deepEqual(new Set(receiver.spans.map((s) => s.serviceName)), new Set(['ml-service-under-test']));
    });

    it("should continue the caller's trace with the HTTP, Nest, scoring and database-read spans", () => {
      const spans = receiver.spans.filter((s) => s.traceId === traceId);
      const names = spans.map((s) => `${s.scope}: ${s.name}`).join('\n');
      const http = spans.find((s) => s.scope === '@opentelemetry/instrumentation-http' && s.kind === SPAN_KIND_SERVER);
      assert.ok(http, `no HTTP server span in:\n${names}`);
      assert.equal(http.parentSpanId, callerSpanId);
      assert.equal(
        http.attributes['http.route'] ?? http.attributes['http.target'] ?? http.attributes['url.path'],
        '/v1/recommendations',
      );
      const nest = spans.filter((s) => s.scope === '@opentelemetry/instrumentation-nestjs-core');
      assert.ok(
        nest.some((s) => s.attributes['nestjs.controller'] === 'RecommendationsController'),
        `no Nest span in:\n${names}`,
      );
      const score = spans.find((s) => s.name === 'recommendations.score');
      assert.ok(score, `no scoring span in:\n${names}`);
      assert.equal(score.attributes['ml_service.algorithm'], 'popularity');
      assert.equal(Number(score.attributes['ml_service.items_returned']), 5);
      assert.equal(score.attributes['ml_service.cache_hit'], false);
      assert.match(String(score.attributes['ml_service.model_version']), /^v\d+/);
      const read = spans.find((s) => s.name === 'user_context.read');
      assert.ok(read, `no database-read span in:\n${names}`);
      assert.equal(read.attributes['db.system.name'], dialect);
      // Nested as the calls are: the read inside scoring, scoring inside the request.
      const ids = new Set(spans.map((s) => s.spanId));
      for (const span of spans.filter((s) => s !== http)) assert.ok(ids.has(span.parentSpanId as string), span.name);
      assert.equal(read.parentSpanId, score.spanId);
    });

    it('should trace the training run with its algorithm, version and interactions', () => {
      const run = receiver.spans.find((s) => s.name === 'training.run');
      assert.ok(run, 'no training.run span');
      assert.equal(run.attributes['ml_service.algorithm'], 'popularity');
      assert.match(String(run.attributes['ml_service.model_version']), /^v\d+/);
      assert.ok(Number(run.attributes['ml_service.interactions']) > 0);
      const snapshot = receiver.spans.find((s) => s.name === 'training.snapshot');
      assert.equal(snapshot?.attributes['ml_service.interactions'], run.attributes['ml_service.interactions']);
    });

    it('should write the trace id in the access log line of the request', () => {
      const access = logLines(server).find((l) => l.context === 'HTTP' && l.request_id === 'traced-request');
      assert.ok(access, 'no access log line for the request');
      assert.equal(access.trace_id, traceId);
      assert.match(String(access.span_id), /^[0-9a-f]{16}$/);
    });

    if (dialect === 'mysql') {
      it("should trace the request's knex queries and their mysql2 statements, literals masked", () => {
        const spans = receiver.spans.filter((s) => s.traceId === traceId);
        assert.ok(spans.some((s) => s.scope === '@opentelemetry/instrumentation-knex'));
        const statements = spans.filter((s) => s.scope === '@opentelemetry/instrumentation-mysql2');
        assert.ok(statements.length > 0);
        for (const s of statements) assert.doesNotMatch(String(s.attributes['db.statement'] ?? ''), /user_002/);
      });
    }
  });
}

describe('without OTEL_EXPORTER_OTLP_ENDPOINT', { timeout: 600_000 }, () => {
  const receiver = new OtlpReceiver();
  let database: TestDatabase;
  let server: ServerProcess;

  before(async () => {
    // The exporter's own per-signal variable alone does not turn tracing on.
    const endpoint = await receiver.start();
    database = await createTestDatabase('sqlite');
    server = spawnServer(
      {
        ...SERVICE_ENV,
        DATABASE_URL: databaseUrl(database.config),
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/v1/traces`,
      },
      await freePort(),
    );
    await waitUntilModelLoaded(server);
  });

  after(async () => {
    receiver.close();
    await server?.kill();
    await database?.drop();
  });

  it('should serve, log without trace ids and export nothing', async () => {
    const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    const response = await recommend(server, { traceparent, 'x-request-id': 'untraced-request' });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { recommendations: unknown[] }).recommendations.length, 5);
    assert.equal(await server.stop(), 0);
    const access = logLines(server).find((l) => l.context === 'HTTP' && l.request_id === 'untraced-request');
    assert.ok(access, 'no access log line for the request');
    assert.equal(access.trace_id, undefined);
    assert.equal(receiver.paths.length, 0);
  });
});
