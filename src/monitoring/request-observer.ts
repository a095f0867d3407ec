import { Logger } from '@nestjs/common';
import { FastifyInstance } from 'fastify';
import { runWithRequestId } from '../common/logging/request-context';
import { ShutdownState } from '../common/shutdown-state';
import { Telemetry } from '../telemetry/telemetry';

/** Requests no route matched (404s) share one label, so URLs never become label values. */
const UNMATCHED_ENDPOINT = 'unmatched';

/** nginx's code for a client that went away before the response was complete. */
const CLIENT_CLOSED_REQUEST = 499;

/** Probes and scrapes arrive every few seconds; at the default level they would drown the log. */
const QUIET_PATHS = /^\/(health|ready|metrics)(\/|$)/;

/**
 * The first request hook: echoes the request's id (Fastify's `request.id`, set by the adapter's
 * genReqId from the caller's `x-request-id` when acceptable), runs the rest of the request under
 * it so every log line carries it, and when the response is done counts it in the request metrics
 * and writes one access-log line. Registered ahead of the body parser and the other hooks, so
 * requests they reject are counted too.
 */
export function observeRequests(fastify: FastifyInstance, telemetry: Telemetry, shutdown: ShutdownState): void {
  const logger = new Logger('HTTP');
  fastify.addHook('onRequest', (request, reply, done) => {
    const started = process.hrtime.bigint();
    const requestId = request.id;
    reply.header('X-Request-Id', requestId);
    const res = reply.raw;
    shutdown.track(res);
    // 'close' rather than the onResponse hook: it also fires for a client that went away.
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
      // The matched route's template (`/v1/recommendations/:id`), never the URL itself.
      const endpoint = request.is404 ? UNMATCHED_ENDPOINT : (request.routeOptions.url ?? UNMATCHED_ENDPOINT);
      telemetry.requestFinished(endpoint, request.method, status, seconds);
      // The path without its query string: a query may carry what should not be logged.
      const query = request.url.indexOf('?');
      const path = query < 0 ? request.url : request.url.slice(0, query);
      const quiet = QUIET_PATHS.test(path);
      // The line is built only when its level is on (probes' lines are debug).
      if (!Logger.isLevelEnabled(quiet ? 'debug' : 'log')) return;
      const entry = { method: request.method, path, endpoint, status, duration_ms: Math.round(seconds * 1e4) / 10 };
      const message = `${request.method} ${path} ${status}`;
      runWithRequestId(requestId, () => (quiet ? logger.debug(message, entry) : logger.log(message, entry)));
    });
    // Fastify runs the later hooks, the body parser (which keeps the async context) and the
    // handler from `done`, so all of it happens inside this request's context.
    runWithRequestId(requestId, done);
  });
}
