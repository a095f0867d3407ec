import autocannon from 'autocannon';
import { Prng } from './prng';

export interface LoadSpec {
  label: string;
  url: string;
  connections: number;
  durationSeconds: number;
  requests: autocannon.Request[];
  /** Fixed offered load (requests/s over all connections); unset means as fast as the server answers. */
  overallRate?: number;
  /** Ends the run early when it settles, e.g. when a retrain finishes. */
  stopWhen?: Promise<unknown>;
  /** Also count 2xx responses per window of this many seconds (a long run's rate over time). */
  windowSeconds?: number;
}

export interface LatencySummary {
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  label: string;
  connections: number;
  overallRate: number | null;
  seconds: number;
  /** 2xx responses per second. */
  requestsPerSecond: number;
  ok: number;
  non2xx: number;
  /** Responses per HTTP status. */
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Milliseconds, over every response (2xx or not), from the client's side. */
  latencyMs: LatencySummary;
  /** 2xx responses per second in each whole window, when `windowSeconds` was given. */
  windowRates: number[];
}

/**
 * One autocannon run. Latencies come from autocannon's per-response events (sub-millisecond,
 * any percentile) rather than its histogram, which has whole-millisecond buckets and no p95.
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies = new GrowableFloat64();
  let ok = 0;
  let non2xx = 0;
  const statuses: Record<string, number> = {};
  const perWindow: number[] = [];
  const windowMs = (spec.windowSeconds ?? 0) * 1000;
  const started = performance.now();
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSeconds,
    timeout: 60,
    requests: spec.requests,
    ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) {
      ok++;
      if (windowMs > 0) {
        const window = Math.floor((performance.now() - started) / windowMs);
        perWindow[window] = (perWindow[window] ?? 0) + 1;
      }
    } else non2xx++;
  });
  let stoppedEarly = false;
  void spec.stopWhen?.then(
    () => {
      stoppedEarly = true;
      instance.stop();
    },
    () => instance.stop(),
  );
  const result = await instance;
  if (non2xx > ok) {
    // A benchmark of error responses measures nothing; say so rather than report fast failures.
    throw new Error(
      `${spec.label}: ${non2xx} of ${ok + non2xx} responses were not 2xx (statuses ${JSON.stringify(statuses)})`,
    );
  }
  const seconds = stoppedEarly ? (performance.now() - started) / 1000 : Math.max(result.duration, 1e-3);
  return {
    label: spec.label,
    connections: spec.connections,
    overallRate: spec.overallRate ?? null,
    seconds,
    requestsPerSecond: ok / seconds,
    ok,
    non2xx,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: summarise(latencies.sorted()),
    windowRates:
      windowMs > 0
        ? Array.from(
            { length: Math.floor((seconds * 1000) / windowMs) },
            (_, w) => (perWindow[w] ?? 0) / (windowMs / 1000),
          )
        : [],
  };
}

/** The middle value (the upper one of an even count), as the benches report rounds. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** Nearest-rank percentiles of sorted values. */
export function summarise(sorted: Float64Array): LatencySummary {
  const at = (p: number) =>
    sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  let sum = 0;
  for (const value of sorted) sum += value;
  return { mean: sorted.length ? sum / sorted.length : NaN, p50: at(50), p95: at(95), p99: at(99), max: at(100) };
}

export function getRequest(path: string): autocannon.Request {
  return { method: 'GET', path };
}

/** A request body and the simulated client address it comes from. */
export interface ClientRequest {
  body: unknown;
  /** Sent as X-Forwarded-For (the server trusts one proxy hop), so each simulated user is its own caller. */
  client: string;
}

/**
 * POSTs of JSON bodies made on the fly by `make` (the autocannon hook runs per request), from a
 * seeded generator so runs are comparable.
 */
export function postRequests(path: string, make: (random: Prng) => ClientRequest, seed: number): autocannon.Request[] {
  const random = new Prng(seed);
  return [
    {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => {
        const { body, client } = make(random);
        return {
          ...request,
          headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
          body: JSON.stringify(body),
        };
      },
    },
  ];
}

/** POSTs cycling through prepared bodies: for large bodies whose generation would load the client. */
export function cyclingPostRequests(path: string, bodies: string[]): autocannon.Request[] {
  let next = 0;
  return [
    {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => {
        const at = next++ % bodies.length;
        return {
          ...request,
          headers: { 'content-type': 'application/json', 'x-forwarded-for': clientAddress(at) },
          body: bodies[at],
        };
      },
    },
  ];
}

/**
 * A distinct private address per simulated client. The service rate-limits per caller; a real
 * deployment sees many callers, while one load generator would otherwise be a single caller whose
 * per-minute hit list the in-memory limiter re-filters on every request.
 */
export function clientAddress(n: number): string {
  return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

class GrowableFloat64 {
  private data = new Float64Array(1 << 16);
  private length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}
