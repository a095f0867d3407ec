import { loadConfig } from '../config/config';
import type { Tracing } from './tracing';

/**
 * Imported first by main.ts, so that the instrumentations are in place before Nest, knex and
 * mysql2 load. Without OTEL_EXPORTER_OTLP_ENDPOINT nothing is loaded or started: the spans the
 * service opens through @opentelemetry/api are then no-ops.
 */
export const tracing: Tracing | null = start();

function start(): Tracing | null {
  let settings;
  try {
    settings = loadConfig().tracing;
  } catch {
    // main.ts reads the configuration again and reports its problems.
    return null;
  }
  if (settings === null) return null;
  // Required only when on: the SDK and the instrumentations cost start-up time and memory.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./tracing') as typeof import('./tracing');
  return startTracing(settings);
}
