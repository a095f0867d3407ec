import { INestApplication, Logger } from '@nestjs/common';
import { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ShutdownState } from './shutdown-state';

/**
 * SIGTERM (or SIGINT) shuts the server down without failing a request:
 *  1. readiness turns 503 and responses ask clients to reconnect elsewhere, while requests are
 *     still served for `delayMs` — the time load balancers need to stop routing here;
 *  2. the listener closes (new connections are refused) and in-flight requests finish;
 *  3. Nest's shutdown hooks run: training workers stop, the impression buffer is flushed, the
 *     database pool closes;
 *  4. the process exits 0 (1 if a hook failed).
 */
export function shutDownGracefullyOnSignals(app: INestApplication, delayMs: number): void {
  const logger = new Logger('Shutdown');
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    shutDown(app, delayMs, signal, logger).then(
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

async function shutDown(app: INestApplication, delayMs: number, signal: NodeJS.Signals, logger: Logger): Promise<void> {
  app.get(ShutdownState).beginDraining();
  if (delayMs > 0) {
    logger.log(`${signal}: readiness now fails; still serving for ${delayMs} ms while load balancers stop routing here`);
    await sleep(delayMs);
  } else {
    logger.log(`${signal}: shutting down`);
  }
  await stopAccepting(app.getHttpServer() as Server);
  logger.log('listener closed and in-flight requests finished; running shutdown hooks');
  await app.close();
  logger.log('shut down cleanly');
}

/** Closes the listener and resolves once every open connection has ended. */
function stopAccepting(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
