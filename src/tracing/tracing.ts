import { Attributes, Context, diag, DiagLogLevel, Link, SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KnexInstrumentation } from '@opentelemetry/instrumentation-knex';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  Sampler,
  SamplingDecision,
  SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { Logger } from '@nestjs/common';
import { TracingConfig } from '../config/config';
import { startRecordingSpans } from './spans';

/** Probes and scrapes arrive every few seconds and say nothing about a request's path. */
const UNTRACED_PATHS = /^\/(health|ready|metrics)(\/|\?|$)/;

export interface Tracing {
  /** Exports the spans still buffered, then stops; after the app has closed. */
  shutdown(): Promise<void>;
}

/**
 * Starts the tracer provider and the instrumentations. Must run before Nest, knex and mysql2 are
 * loaded: the instrumentations patch modules as they are required. Spans are batched and posted
 * as OTLP/JSON to `<endpoint>/v1/traces`; the exporter reads the endpoint and the other
 * `OTEL_EXPORTER_OTLP_*` variables (headers, timeout, compression) itself.
 */
export function startTracing(config: TracingConfig): Tracing {
  // The SDK's own complaints (a collector that cannot be reached) as log lines, not silence; the
  // logger is looked up when a line is written, so they are JSON like every other.
  const logger = new Logger('Tracing');
  diag.setLogger(
    {
      error: (message) => logger.error(message),
      warn: (message) => logger.warn(message),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    DiagLogLevel.WARN,
  );
  const provider = new NodeTracerProvider({
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName })),
    sampler: new ParentBasedSampler({ root: new NoOrphanQueries(new TraceIdRatioBasedSampler(config.sampleRatio)) }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // W3C traceparent in and out, and an AsyncLocalStorage context that follows awaits.
  provider.register();
  startRecordingSpans();
  const nest = new NestInstrumentation();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? '') }),
      nest,
      new KnexInstrumentation({ requireParentSpan: true }),
      // Literal values in a statement (user ids, item ids) stay out of the traces.
      new MySQL2Instrumentation({ maskStatement: true }),
    ],
  });
  patchNest(nest);
  return { shutdown: () => provider.shutdown() };
}

/**
 * Nest 12 is an ES module, which this CommonJS service loads through require(esm): the
 * instrumentation's require hook never sees its files (and its declared range ends before 12).
 * Its patches (a span per controller handler) are applied to the loaded files directly; the
 * files and the methods it wraps are unchanged since Nest 11 (the Nest span in tracing.e2e proves it).
 */
function patchNest(nest: NestInstrumentation): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require('@nestjs/core/package.json') as { version: string };
  for (const definition of nest.getModuleDefinitions()) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    for (const file of definition.files) file.patch(require(file.name), version);
  }
}

/**
 * A database query with no request or training run around it (the feedback group commit, the
 * impression flush) would be a trace of its own every few milliseconds: such roots are not recorded.
 */
class NoOrphanQueries implements Sampler {
  constructor(private readonly roots: Sampler) {}

  shouldSample(
    context: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (kind === SpanKind.CLIENT) return { decision: SamplingDecision.NOT_RECORD };
    return this.roots.shouldSample(context, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `NoOrphanQueries{${this.roots.toString()}}`;
  }
}
