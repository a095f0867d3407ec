import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { histogramQuantile, LiveStats, MetricTotals, readTotals } from './live-stats';
import { parsePrometheusText } from './prometheus-text';

/** What Telemetry.scrape() writes, trimmed to the families the dashboard reads and one it ignores. */
const SCRAPE = `# HELP ml_service_requests_total HTTP requests answered
# TYPE ml_service_requests_total counter
ml_service_requests_total{endpoint="/v1/recommendations",method="POST",status="200"} 90
ml_service_requests_total{endpoint="/v1/recommendations",method="POST",status="503"} 2
ml_service_requests_total{endpoint="/v1/feedback",method="POST",status="400"} 8
ml_service_requests_total{endpoint="/health/ready",method="GET",status="200"} 500
ml_service_requests_total{endpoint="/dashboard/api/live",method="GET",status="200"} 40
# TYPE ml_service_latency_seconds histogram
ml_service_latency_seconds_bucket{le="0.01",endpoint="/v1/recommendations",method="POST"} 50
ml_service_latency_seconds_bucket{le="0.1",endpoint="/v1/recommendations",method="POST"} 90
ml_service_latency_seconds_bucket{le="+Inf",endpoint="/v1/recommendations",method="POST"} 92
ml_service_latency_seconds_bucket{le="0.01",endpoint="/v1/feedback",method="POST"} 8
ml_service_latency_seconds_bucket{le="0.1",endpoint="/v1/feedback",method="POST"} 8
ml_service_latency_seconds_bucket{le="+Inf",endpoint="/v1/feedback",method="POST"} 8
ml_service_latency_seconds_bucket{le="0.01",endpoint="/health/ready",method="GET"} 500
ml_service_latency_seconds_bucket{le="0.1",endpoint="/health/ready",method="GET"} 500
ml_service_latency_seconds_bucket{le="+Inf",endpoint="/health/ready",method="GET"} 500
ml_service_latency_seconds_sum{endpoint="/v1/recommendations",method="POST"} 3.2
ml_service_latency_seconds_count{endpoint="/v1/recommendations",method="POST"} 92
# TYPE ml_service_cache_requests_total counter
ml_service_cache_requests_total{result="hit"} 30
ml_service_cache_requests_total{result="miss"} 10
# TYPE ml_service_feedback_total counter
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 1.5
`;

describe('parsePrometheusText', { timeout: 30_000 }, () => {
  it('should read families, labels with escapes, and infinite values', () => {
    const parsed = parsePrometheusText(
      '# TYPE a_total counter\na_total{path="C:\\\\tmp",quote="say \\"hi\\"",nl="x\\ny"} 3\nb{le="+Inf"} +Inf 1700000000\n',
    );
    assert.deepEqual([...parsed.families], ['a_total']);
    assert.deepEqual(parsed.samples, [
      { name: 'a_total', labels: { path: 'C:\\tmp', quote: 'say "hi"', nl: 'x\ny' }, value: 3 },
      { name: 'b', labels: { le: '+Inf' }, value: Infinity },
    ]);
  });
});

describe('readTotals', { timeout: 30_000 }, () => {
  it('should count only API routes and sum latency buckets across them', () => {
    const totals = readTotals(parsePrometheusText(SCRAPE));
    assert.deepEqual(totals.requests, { total: 100, serverErrors: 2, clientErrors: 8 });
    assert.deepEqual(totals.latency, [
      { le: 0.01, count: 58 },
      { le: 0.1, count: 98 },
      { le: Infinity, count: 100 },
    ]);
    assert.deepEqual(totals.cache, { hits: 30, misses: 10 });
    // Declared without a sample yet: exported, and zero for every action.
    assert.deepEqual(totals.feedback, {});
  });

  it('should give null for a metric the service does not export', () => {
    assert.deepEqual(readTotals(parsePrometheusText('')), {
      requests: null,
      latency: null,
      cache: null,
      feedback: null,
    });
  });
});

describe('histogramQuantile', { timeout: 30_000 }, () => {
  const buckets = [
    { le: 0.01, count: 50 },
    { le: 0.1, count: 90 },
    { le: Infinity, count: 100 },
  ];

  it('should interpolate linearly within the bucket the rank falls in', () => {
    // rank 50 of 100: the top of the first bucket, which starts at 0.
    assert.equal(histogramQuantile(0.5, buckets), 0.01);
    // rank 25: half-way through the first bucket.
    assert.equal(histogramQuantile(0.25, buckets), 0.005);
    // rank 70: 20 of the second bucket's 40 observations, from 0.01 to 0.1.
    assert.ok(Math.abs(histogramQuantile(0.7, buckets)! - 0.055) < 1e-12);
  });

  it('should answer the highest finite bound when the rank is in the +Inf bucket, and null without observations', () => {
    assert.equal(histogramQuantile(0.99, buckets), 0.1);
    assert.equal(histogramQuantile(0.5, [{ le: Infinity, count: 0 }]), null);
    assert.equal(histogramQuantile(0.5, []), null);
  });
});

describe('LiveStats', { timeout: 30_000 }, () => {
  const totals = (
    requests: number,
    feedback: number,
    latency = [
      { le: 0.01, count: requests },
      { le: Infinity, count: requests },
    ],
  ): MetricTotals => ({
    requests: { total: requests, serverErrors: 0, clientErrors: requests / 10 },
    latency,
    cache: { hits: requests / 2, misses: requests / 2 },
    feedback: { click: feedback },
  });

  it('should report rates since start-up first, then over a window of about ten seconds', () => {
    const stats = new LiveStats(0);
    const first = stats.report(totals(100, 20), 10_000);
    assert.equal(first.window_seconds, 10);
    assert.equal(first.requests_per_second, 10);
    assert.equal(first.client_error_rate, 0.1);
    assert.equal(first.server_error_rate, 0);
    assert.equal(first.cache_hit_rate, 0.5);
    assert.deepEqual(first.feedback_per_second, { click: 2 });
    assert.equal(first.latency_p50_ms, 5);

    for (let t = 12_000; t <= 20_000; t += 2_000) stats.report(totals(100 + (t - 10_000) / 100, 20), t);
    // At 30 s the newest sample at least ten seconds old is the one taken at 20 s: 200 requests.
    const later = stats.report(totals(400, 20), 30_000);
    assert.equal(later.window_seconds, 10);
    assert.equal(later.requests_per_second, 20);
    assert.deepEqual(later.feedback_per_second, { click: 0 });
    assert.equal(later.totals.requests, 400);
  });

  it('should leave undefined figures null and say which metrics are missing', () => {
    const quiet = new LiveStats(0).report(totals(0, 0), 5_000);
    assert.equal(quiet.requests_per_second, 0);
    assert.equal(quiet.server_error_rate, null);
    assert.equal(quiet.latency_p99_ms, null);
    assert.equal(quiet.cache_hit_rate, null);

    const bare = new LiveStats(0).report({ requests: null, latency: null, cache: null, feedback: null }, 5_000);
    assert.equal(bare.requests_per_second, null);
    assert.equal(bare.feedback_per_second, null);
    assert.deepEqual(bare.available, { requests: false, latency: false, cache: false, feedback: false });
  });
});
