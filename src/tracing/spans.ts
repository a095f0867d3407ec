import { Attributes, INVALID_SPAN_CONTEXT, Span, SpanStatusCode, trace } from '@opentelemetry/api';

/** Without a registered provider (tracing off) this tracer's spans are no-ops. */
const tracer = trace.getTracer('ml-service');

/** What `fn` gets while tracing is off: records nothing, as the no-op tracer's spans do. */
const NOT_RECORDED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
let recording = false;

/** Called once a tracer provider is registered (tracing.ts); until then inSpan only runs `fn`. */
export function startRecordingSpans(): void {
  recording = true;
}

/**
 * Runs `fn` inside a new span, a child of the active one, so the spans and queries it starts
 * nest under it; an error is recorded on the span and rethrown.
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  // The no-op tracer would still build a context and an async wrapper per call, on every request.
  if (!recording) return fn(NOT_RECORDED);
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
