import { Logger } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { acceptRequestId, runWithRequestId } from '../common/logging/request-context';
import { ShutdownState } from '../common/shutdown-state';
import { Telemetry } from '../telemetry/telemetry';

/** Requests no route matched (404s, bodies that failed to parse) share one label, so URLs never become label values. */
const UNMATCHED_ENDPOINT = 'unmatched';

/** nginx's code for a client that went away before the response was complete. */
const CLIENT_CLOSED_REQUEST = 499;

/** Probes and scrapes arrive every few seconds; at the default level they would drown the log. */
const QUIET_PATHS = /^\/(health|ready|metrics)(\/|$)/;

/**
 * The first middleware: gives the request its id (the caller's `x-request-id` when acceptable),
 * echoes it, runs the rest of the request under it so every log line carries it, and when the
 * response is done counts it in the request metrics and writes one access-log line. Registered
 * ahead of the body parser, so requests it rejects are counted too.
 */
export function observeRequests(telemetry: Telemetry, shutdown: ShutdownState) {
  const logger = new Logger('HTTP');
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const requestId = acceptRequestId(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
    shutdown.track(res);
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
      const endpoint = routeTemplate(req);
      telemetry.requestFinished(endpoint, req.method, status, seconds);
      // The path without its query string: a query may carry what should not be logged.
      const path = req.originalUrl.split('?')[0];
      const entry = { method: req.method, path, endpoint, status, duration_ms: Math.round(seconds * 1e4) / 10 };
      const message = `${req.method} ${path} ${status}`;
      runWithRequestId(requestId, () =>
        QUIET_PATHS.test(path) ? logger.debug(message, entry) : logger.log(message, entry),
      );
    });
    runWithRequestId(requestId, next);
  };
}

/** The matched route's template (`/v1/recommendations/:id`), never the URL itself. */
function routeTemplate(req: Request): string {
  const route: unknown = req.route;
  const path = typeof route === 'object' && route !== null ? (route as { path?: unknown }).path : undefined;
  return typeof path === 'string' ? path : UNMATCHED_ENDPOINT;
}
