import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { currentRequestId } from './request-context';
import { SecretRedactor } from './redact';

/**
 * Nest's logger in JSON mode, one object per line, with the id of the request being served
 * (when there is one) and every secret scrubbed from the finished line.
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
    const line = super.stringifyJsonLogObject(
      requestId === undefined ? logObject : { ...logObject, request_id: requestId },
    );
    return this.secrets.redact(line);
  }
}
