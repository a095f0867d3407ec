import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { isConnectionError } from '../database/database';

/**
 * Every error leaves the service as `{"detail": "..."}`: caller mistakes with their message,
 * database outages as 503, anything else as a bare 500 whose details stay in the log —
 * never a stack trace or SQL in a response.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, detail, extra } = this.describe(exception);
    if (status >= 500 && status !== HttpStatus.SERVICE_UNAVAILABLE)
      this.logger.error(detail, (exception as Error)?.stack);
    if (!reply.sent) void reply.code(status).send({ detail, ...extra });
  }

  private describe(exception: unknown): { status: number; detail: string; extra?: object } {
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      // A body that already speaks our shape (readiness details) goes out whole.
      if (typeof body === 'object' && typeof (body as { detail?: unknown }).detail === 'string') {
        return { status: exception.getStatus(), detail: (body as { detail: string }).detail, extra: body };
      }
      // The contract treats an oversized body as invalid input, like any other validation failure.
      if (exception.getStatus() === HttpStatus.PAYLOAD_TOO_LARGE) {
        return { status: HttpStatus.BAD_REQUEST, detail: 'request body exceeds the 5 MB limit' };
      }
      return { status: exception.getStatus(), detail: messageOf(exception) };
    }
    if (isConnectionError(exception)) {
      return { status: HttpStatus.SERVICE_UNAVAILABLE, detail: 'database unavailable, retry shortly' };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, detail: INTERNAL };
  }
}

const INTERNAL = 'internal server error';
/** A body with thousands of bad elements would otherwise get a detail of thousands of lines. */
const MAX_MESSAGES = 10;

export function messageOf(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) {
    const more = message.length > MAX_MESSAGES ? [`and ${message.length - MAX_MESSAGES} more`] : [];
    return [...(message as unknown[]).slice(0, MAX_MESSAGES), ...more].join('; ');
  }
  return typeof message === 'string' ? message : exception.message;
}
