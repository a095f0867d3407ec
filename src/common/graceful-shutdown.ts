import { INestApplication, Logger } from '@nestjs/common';
import { Server as HttpServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { OpenConnections } from './open-connections';
import { ShutdownState } from './shutdown-state';

export interface ShutdownTiming {
  /** How long to keep serving while unready, before the listener closes. */
  delayMs: number;
  /** After the delay, how long open requests may take before their connections are cut. */
  timeoutMs: number;
}

/** A connection with no request in progress, on which nothing has arrived for this long, is not about to send one. */
const QUIET_MS = 1000;
/** How often open connections are looked at while they finish. */
const CHECK_EVERY_MS = 50;

/**
 * SIGTERM (or SIGINT) shuts the server down without failing a request:
 *  1. readiness turns 503 and responses ask clients to reconnect elsewhere, while requests are
 *     still served for `delayMs` — the time load balancers need to stop routing here;
 *  2. connections already waiting in the kernel's accept queue are accepted, then the listener
 *     closes (new connections are refused); every accepted connection gets its request answered,
 *     even one the busy event loop has not read yet, and is closed once answered or quiet;
 *     whatever is still open `timeoutMs` later is cut, and logged;
 *  3. Nest's shutdown hooks run: training workers stop, the impression buffer is flushed, the
 *     database pool closes;
 *  4. `afterClose` runs (the tracer flushes its last spans);
 *  5. the process exits 0 (1 if a hook failed).
 */
export function shutDownGracefullyOnSignals(
  app: INestApplication,
  timing: ShutdownTiming,
  afterClose: () => Promise<void> = async () => undefined,
): void {
  const logger = new Logger('Shutdown');
  // From the start: a connection accepted before the signal may still be waiting to be read.
  const connections = new OpenConnections(app.getHttpServer() as HttpServer);
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    shutDown(app, connections, timing, signal, logger)
      .then(afterClose)
      .then(
        () => process.exit(0),
        (error: Error) => {
          logger.error(`shutdown failed: ${error.message}`, error.stack);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function shutDown(
  app: INestApplication,
  connections: OpenConnections,
  timing: ShutdownTiming,
  signal: NodeJS.Signals,
  logger: Logger,
): Promise<void> {
  app.get(ShutdownState).beginDraining();
  if (timing.delayMs > 0) {
    logger.log(
      `${signal}: readiness now fails; still serving for ${timing.delayMs} ms while load balancers stop routing here`,
    );
    await sleep(timing.delayMs);
  } else {
    logger.log(`${signal}: shutting down`);
  }
  const deadline = Date.now() + timing.timeoutMs;
  const server = app.getHttpServer() as HttpServer;
  await acceptQueueEmptied(connections, deadline);
  // net's close, not http's: http's also destroys accepted connections whose request is unread.
  const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
  logger.log(`listener closed; answering the requests of ${connections.size} open connections`);
  if (!(await finished(connections, closed, deadline))) {
    const cut = connections.destroyAll();
    logger.warn(
      `SHUTDOWN_TIMEOUT_MS (${timing.timeoutMs} ms) passed: cut ${cut.connections} connections, ${cut.requests} of them in the middle of a request`,
    );
    await closed;
  }
  logger.log('all connections closed; running shutdown hooks');
  await app.close();
  logger.log('shut down cleanly');
}

/**
 * Resolves once a turn of the event loop has accepted no connection: the accept queue is empty.
 * Closing the listener would reset the connections in it, which their clients saw accepted; a
 * busy event loop may leave many there.
 */
async function acceptQueueEmptied(connections: OpenConnections, deadline: number): Promise<void> {
  // The first turn may be the current one, whose poll phase has passed.
  await nextTurn();
  let accepted: number;
  do {
    accepted = connections.accepted;
    await nextTurn();
  } while (connections.accepted !== accepted && Date.now() < deadline);
}

/** Closes connections as they go idle; true once all have closed, false at the deadline. */
async function finished(connections: OpenConnections, closed: Promise<void>, deadline: number): Promise<boolean> {
  let done = false;
  void closed.then(() => (done = true));
  while (!done && Date.now() < deadline) {
    await nextTurn();
    connections.closeIdle(QUIET_MS);
    await Promise.race([closed, sleep(Math.min(CHECK_EVERY_MS, Math.max(0, deadline - Date.now())))]);
  }
  return done;
}
