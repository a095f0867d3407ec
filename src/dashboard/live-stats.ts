import { LiveReportDto } from './live-report.dto';
import { ParsedMetrics } from './prometheus-text';

const LIVE_METRICS = {
  requests: 'ml_service_requests_total',
  latency: 'ml_service_latency_seconds',
  cache: 'ml_service_cache_requests_total',
  feedback: 'ml_service_feedback_total',
} as const;

export interface LatencyBucket {
  /** Upper bound in seconds; the last bucket's is Infinity. */
  le: number;
  /** Observations at or below `le` (cumulative, as Prometheus buckets are). */
  count: number;
}

/** Cumulative counters read from one scrape; a null group is a metric the service does not export. */
export interface MetricTotals {
  requests: { total: number; serverErrors: number; clientErrors: number } | null;
  latency: LatencyBucket[] | null;
  cache: { hits: number; misses: number } | null;
  feedback: Record<string, number> | null;
}

const ZERO: MetricTotals = {
  requests: { total: 0, serverErrors: 0, clientErrors: 0 },
  latency: [],
  cache: { hits: 0, misses: 0 },
  feedback: {},
};

/**
 * The API is what an operator watches; the dashboard's own polling, probes and scrapes would
 * otherwise be most of the traffic on a quiet replica.
 */
function isApiRequest(labels: Readonly<Record<string, string>>): boolean {
  return (labels.endpoint ?? '').startsWith('/v1/');
}

export function readTotals({ families, samples }: ParsedMetrics): MetricTotals {
  const of = (name: string) => samples.filter((s) => s.name === name);

  let requests: MetricTotals['requests'] = null;
  if (families.has(LIVE_METRICS.requests)) {
    requests = { total: 0, serverErrors: 0, clientErrors: 0 };
    for (const s of of(LIVE_METRICS.requests).filter((s) => isApiRequest(s.labels))) {
      const status = Number(s.labels.status);
      requests.total += s.value;
      if (status >= 500) requests.serverErrors += s.value;
      else if (status >= 400) requests.clientErrors += s.value;
    }
  }

  let latency: MetricTotals['latency'] = null;
  if (families.has(LIVE_METRICS.latency)) {
    const byBound = new Map<number, number>();
    for (const s of of(`${LIVE_METRICS.latency}_bucket`).filter((s) => isApiRequest(s.labels))) {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      byBound.set(le, (byBound.get(le) ?? 0) + s.value);
    }
    latency = [...byBound].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
  }

  let cache: MetricTotals['cache'] = null;
  if (families.has(LIVE_METRICS.cache)) {
    const count = (result: string) => sum(of(LIVE_METRICS.cache).filter((s) => s.labels.result === result));
    cache = { hits: count('hit'), misses: count('miss') };
  }

  let feedback: MetricTotals['feedback'] = null;
  if (families.has(LIVE_METRICS.feedback)) {
    feedback = {};
    for (const s of of(LIVE_METRICS.feedback)) feedback[s.labels.action] = (feedback[s.labels.action] ?? 0) + s.value;
  }
  return { requests, latency, cache, feedback };
}

/**
 * The q-quantile of the observations in cumulative buckets, as Prometheus' histogram_quantile:
 * linear within the bucket the rank falls in (from 0 for the first), and the highest finite
 * bound when it falls in the +Inf bucket. Null without observations.
 */
export function histogramQuantile(q: number, buckets: readonly LatencyBucket[]): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < buckets.length; i++) {
    if (buckets[i].count < rank) continue;
    const lowerBound = i === 0 ? 0 : buckets[i - 1].le;
    const lowerCount = i === 0 ? 0 : buckets[i - 1].count;
    if (buckets[i].le === Infinity) return i === 0 ? null : lowerBound;
    return lowerBound + ((buckets[i].le - lowerBound) * (rank - lowerCount)) / (buckets[i].count - lowerCount);
  }
  return null;
}

/** Rates are over about this long once polled: long enough to smooth single requests, short enough to show a spike. */
const WINDOW_MS = 10_000;
/** One sample a second is plenty for a ten-second window, however many pages poll. */
const MIN_SAMPLE_GAP_MS = 1_000;

/**
 * Turns cumulative counters into rates over a sliding window, shared by every open dashboard.
 * It starts from zero counters at start-up, so the first report covers the time since then.
 */
export class LiveStats {
  private readonly history: { at: number; totals: MetricTotals }[];

  constructor(startedAt: number) {
    this.history = [{ at: startedAt, totals: ZERO }];
  }

  report(totals: MetricTotals, now: number): LiveReportDto {
    // Afterwards history[0] is the newest sample at least WINDOW_MS old, or the oldest there is.
    while (this.history.length > 1 && this.history[1].at <= now - WINDOW_MS) this.history.shift();
    const baseline = this.history[0];
    if (now - this.history[this.history.length - 1].at >= MIN_SAMPLE_GAP_MS) this.history.push({ at: now, totals });
    return describe(totals, baseline.totals, Math.max(now - baseline.at, 1) / 1000, now);
  }
}

function describe(current: MetricTotals, base: MetricTotals, seconds: number, now: number): LiveReportDto {
  const requests = current.requests && {
    total: current.requests.total - (base.requests?.total ?? 0),
    serverErrors: current.requests.serverErrors - (base.requests?.serverErrors ?? 0),
    clientErrors: current.requests.clientErrors - (base.requests?.clientErrors ?? 0),
  };
  const latency = current.latency && subtractBuckets(current.latency, base.latency ?? []);
  const cache = current.cache && {
    hits: current.cache.hits - (base.cache?.hits ?? 0),
    misses: current.cache.misses - (base.cache?.misses ?? 0),
  };
  const feedback = current.feedback;
  const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);
  const milliseconds = (q: number) => {
    const value = latency && histogramQuantile(q, latency);
    return value === null ? null : value * 1000;
  };
  return {
    timestamp: new Date(now).toISOString(),
    window_seconds: seconds,
    requests_per_second: requests && requests.total / seconds,
    server_error_rate: requests && share(requests.serverErrors, requests.total),
    client_error_rate: requests && share(requests.clientErrors, requests.total),
    latency_p50_ms: milliseconds(0.5),
    latency_p99_ms: milliseconds(0.99),
    cache_hit_rate: cache && share(cache.hits, cache.hits + cache.misses),
    feedback_per_second:
      feedback &&
      Object.fromEntries(
        Object.entries(feedback).map(([action, n]) => [action, (n - (base.feedback?.[action] ?? 0)) / seconds]),
      ),
    totals: {
      requests: current.requests?.total ?? null,
      server_errors: current.requests?.serverErrors ?? null,
      client_errors: current.requests?.clientErrors ?? null,
      cache_hits: current.cache?.hits ?? null,
      cache_misses: current.cache?.misses ?? null,
      feedback,
    },
    available: {
      requests: current.requests !== null,
      latency: current.latency !== null,
      cache: current.cache !== null,
      feedback: feedback !== null,
    },
  };
}

function subtractBuckets(current: readonly LatencyBucket[], base: readonly LatencyBucket[]): LatencyBucket[] {
  const before = new Map(base.map((b) => [b.le, b.count]));
  return current.map((b) => ({ le: b.le, count: b.count - (before.get(b.le) ?? 0) }));
}

function sum(samples: readonly { value: number }[]): number {
  return samples.reduce((total, s) => total + s.value, 0);
}
