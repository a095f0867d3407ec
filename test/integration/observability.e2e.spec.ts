import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startTestApp, TestApp } from '../support/app';
import { dashboardQueries } from '../support/dashboard';
import { catalogueFixture, feedbackFixture } from '../support/fixtures';

const METRICS_TOKEN = 'scrape-token-0123456789';

const PROMTOOL_SKIP = spawnSync('promtool', ['--version']).error
  ? 'promtool not installed (apt-get install prometheus); the Prometheus text format is not linted'
  : false;

/** The value of the one sample whose name and labels are exactly these, from Prometheus text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics and request ids', { timeout: 600_000 }, () => {
  let t: TestApp;
  let metrics = '';

  before(async () => {
    t = await startTestApp('sqlite', {
      METRICS_TOKEN,
      ENABLED_ALGORITHMS: 'popularity,item_knn',
      DEFAULT_ALGORITHM: 'item_knn',
    });
    await t.http.post('/v1/items/batch').send({ items: catalogueFixture() }).expect(200);
    await t.http.post('/v1/feedback/batch').send({ events: feedbackFixture() }).expect(200);
    await t.http.post('/v1/model/retrain').send({}).expect(200);
    await t.http.get('/v1/recommendations/fan_1').query({ algorithm: 'item_knn' }).expect(200);
    await t.http.get('/v1/recommendations/fan_1').query({ algorithm: 'item_knn' }).expect(200);
    await t.http.post('/v1/feedback').send({ user_id: 'fan_1', event_id: 'jazz_1', action: 'hide' }).expect(200);
    await t.http.get('/v1/users/nobody_at_all').expect(404);
    await t.http.post('/v1/feedback').send({ user_id: 'fan_1', action: 'poke' }).expect(400);
    await t.http.get('/no/such/route/fan_1').expect(404);
    metrics = (await t.http.get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;
  });
  after(async () => t?.close());

  it('should refuse /metrics without the METRICS_TOKEN', async () => {
    const { body } = await t.http.get('/metrics').expect(401);
    assert.match(body.detail, /METRICS_TOKEN/);
    await t.http.get('/metrics').set('authorization', 'Bearer wrong-token').expect(401);
  });

  it('should serve Prometheus text, not JSON, with the process metrics', async () => {
    const response = await t.http.get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    assert.match(response.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    assert.match(metrics, /^# TYPE ml_service_requests_total counter$/m);
    assert.match(metrics, /^# TYPE ml_service_latency_seconds histogram$/m);
    assert.match(metrics, /^process_cpu_seconds_total \d/m);
    assert.match(metrics, /^nodejs_eventloop_lag_seconds \d/m);
  });

  it('should count requests by route template with the status they ended with, errors included', () => {
    assert.equal(
      sample(metrics, 'ml_service_requests_total{endpoint="/v1/recommendations/:id",method="GET",status="200"}'),
      2,
    );
    assert.equal(sample(metrics, 'ml_service_requests_total{endpoint="/v1/users/:id",method="GET",status="404"}'), 1);
    assert.equal(sample(metrics, 'ml_service_requests_total{endpoint="/v1/feedback",method="POST",status="400"}'), 1);
    assert.equal(sample(metrics, 'ml_service_requests_total{endpoint="unmatched",method="GET",status="404"}'), 1);
    assert.equal(
      sample(metrics, 'ml_service_latency_seconds_count{endpoint="/v1/recommendations/:id",method="GET"}'),
      2,
    );
    assert.ok(!/fan_1|nobody_at_all|no\/such/.test(metrics), 'an id or a raw URL became a label value');
  });

  it('should count recommendations, cache lookups and feedback by action', () => {
    assert.equal(sample(metrics, 'ml_service_recommendations_served_total{algorithm="item_knn"}'), 2);
    assert.equal(sample(metrics, 'ml_service_cache_requests_total{result="miss"}'), 1);
    assert.equal(sample(metrics, 'ml_service_cache_requests_total{result="hit"}'), 1);
    const fixture = feedbackFixture();
    assert.equal(
      sample(metrics, 'ml_service_feedback_total{action="save"}'),
      fixture.filter((e) => e.action === 'save').length,
    );
    assert.equal(sample(metrics, 'ml_service_feedback_total{action="hide"}'), 1);
  });

  it('should export the serving model versions, training duration and last success, and dropped impressions', () => {
    assert.equal(sample(metrics, 'ml_service_model_info{algorithm="item_knn",version="v1.0.0"}'), 1);
    assert.equal(sample(metrics, 'ml_service_model_info{algorithm="popularity",version="v1.0.0"}'), 1);
    assert.equal(sample(metrics, 'ml_service_training_duration_seconds_count{algorithm="item_knn"}'), 1);
    const lastSuccess =
      sample(metrics, 'ml_service_training_last_success_timestamp_seconds{algorithm="item_knn"}') ?? 0;
    assert.ok(Math.abs(lastSuccess - Date.now() / 1000) < 120, `last success at ${lastSuccess}`);
    assert.equal(sample(metrics, 'ml_service_impressions_dropped_total'), 0);
  });

  it('should pass promtool check metrics', { skip: PROMTOOL_SKIP }, () => {
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    assert.equal(lint.status, 0, `promtool check metrics:\n${lint.stdout}${lint.stderr}`);
  });

  it('should export every metric the Grafana dashboard queries', () => {
    const exported = new Set([...metrics.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const queried = new Set(
      dashboardQueries().flatMap((expr) =>
        [...expr.matchAll(/\b((?:ml_service|nodejs|process)_\w+)/g)].map((m) => m[1]),
      ),
    );
    assert.ok(queried.size > 0, 'found no metric names in the dashboard queries');
    for (const name of queried) {
      const family = name.replace(/_(bucket|sum|count)$/, '');
      assert.ok(
        exported.has(name) || exported.has(family),
        `the dashboard queries ${name}, which /metrics does not export`,
      );
    }
  });

  it('should echo an acceptable x-request-id and replace anything else with a fresh one', async () => {
    const echoed = await t.http.get('/health').set('x-request-id', 'checkout-7f3a/42').expect(200);
    assert.equal(echoed.headers['x-request-id'], 'checkout-7f3a/42');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const generated = await t.http.get('/health').expect(200);
    assert.match(generated.headers['x-request-id'], uuid);
    for (const unacceptable of ['x'.repeat(129), 'caf\u00e9']) {
      const replaced = await t.http.get('/v1/users/nobody_at_all').set('x-request-id', unacceptable).expect(404);
      assert.match(replaced.headers['x-request-id'], uuid);
    }
  });
});
