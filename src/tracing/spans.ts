import { Attributes, Span, SpanStatusCode, trace } from '@opentelemetry/api';

/** Without a registered provider (tracing off) this tracer's spans are no-ops. */
const tracer = trace.getTracer('ml-service');

/**
 * Runs `fn` inside a new span, a child of the active one, so the spans and queries it starts
 * nest under it; an error is recorded on the span and rethrown.
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
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
