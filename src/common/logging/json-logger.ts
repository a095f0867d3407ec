import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { currentRequestId } from './request-context';
import { SecretRedactor } from './redact';

/**
 * Nest's logger in JSON mode, one object per line, with the id of the request being served
 * (when there is one), the trace and span it belongs to (when tracing is on and a span is
 * active), and every secret scrubbed from the finished line.
 */
export class JsonLogger extends ConsoleLogger {
  constructor(
    logLevels: LogLevel[],
    private readonly secrets: SecretRedactor,
  ) {
    super({ json: true, logLevels, flattenParams: true });
  }

  protected stringifyJsonLogObject(logObject: Record<string, unknown>): string {
    const requestId = currentRequestId();
    const span = trace.getActiveSpan()?.spanContext();
    const line = super.stringifyJsonLogObject({
      ...logObject,
      ...(requestId === undefined ? {} : { request_id: requestId }),
      ...(span === undefined || !isSpanContextValid(span) ? {} : { trace_id: span.traceId, span_id: span.spanId }),
    });
    return this.secrets.redact(line);
  }
}
