import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { ReadinessBalancer } from '../support/balancer';
import { dialectSkip } from '../support/databases';
import { createDeployment, Deployment } from '../support/deployment';
import { demoUserId, LoadDriver } from '../support/load-driver';
import { ReplicaSet } from '../support/replica-set';

const REPLICAS = 3;
const API_KEY = 'replica-suite-service-key-0123456789';
/** Statuses a version leaves only by an operator's hand (activation, retention). */
const SETTLED = new Set(['candidate', 'active', 'rejected', 'archived']);

interface Recommendation {
  event_id: string;
}

/**
 * The service as Kubernetes runs it: three replicas of one Deployment on one MariaDB database,
 * behind a Service that routes only to ready endpoints, restarted by rolling deploys. The demo data
 * (seeded by the first replica) gives every algorithm a model. The tests run in order and share the
 * replicas: each leaves three running for the next.
 */
describe(
  'a deployment of three replicas on mysql with the demo data',
  { skip: dialectSkip('mysql'), timeout: 600_000 },
  () => {
    let deployment: Deployment;
    let replicas: ReplicaSet;
    let balancer: ReadinessBalancer;

    before(
      async () => {
        deployment = await createDeployment({
          // The load driver is one caller; the rate-limit test sets its own budget.
          RATE_LIMIT_PER_MINUTE: '1000000',
          // Long enough for the balancer, probing every 100 ms, to stop routing to a stopping replica.
          SHUTDOWN_DELAY_MS: '1000',
        });
        ({ replicas, balancer } = deployment);
        const seeding = await replicas.start({ SEED_DEMO_DATA: 'true' });
        await replicas.waitUntilReady(seeding);
        // The first models train in the background; a retrain meanwhile would answer 409.
        await waitForTrainingIdle(seeding.url);
        await replicas.waitUntilReady(await replicas.start());
      },
      { timeout: 600_000 },
    );
    after(() => deployment?.close());

    it('should keep a hide taken by one replica on the next answer of another', { timeout: 60_000 }, async () => {
      const [a, b] = replicas.replicas;
      const ask = { user_id: demoUserId(41), limit: 10 };
      const shown = (await request(b.url).post('/v1/recommendations').send(ask).expect(200)).body
        .recommendations as Recommendation[];
      assert.ok(shown.length > 0, 'replica B recommended nothing');
      const hidden = shown[0].event_id;

      await request(a.url)
        .post('/v1/feedback')
        .send({ user_id: ask.user_id, event_id: hidden, action: 'hide' })
        .expect(200);

      const next = (await request(b.url).post('/v1/recommendations').send(ask).expect(200)).body
        .recommendations as Recommendation[];
      assert.ok(next.length > 0, 'replica B recommended nothing after the hide');
      assert.ok(
        !next.some((r) => r.event_id === hidden),
        `replica B still recommends ${hidden} to ${ask.user_id}, who hid it through replica A: ${next.map((r) => r.event_id).join(', ')}`,
      );
    });

    it('should finish a training run on one replica while another replica starts', { timeout: 400_000 }, async () => {
      const [a, b] = replicas.replicas;
      // Long enough on the demo data that the third replica boots while it trains.
      const retrain = { algorithm: 'matrix_factorization', params: { factors: 128, iterations: 60 }, force: true };
      const id = (await request(a.url).post('/v1/model/retrain?async=true').send(retrain).expect(202)).body
        .model_ids[0] as number;
      const history = followStatus(b.url, id, 300_000);
      // Awaited below; this only keeps a failure meanwhile from being reported as unhandled.
      history.catch(() => undefined);

      const c = await replicas.start();
      const whenUp = (await request(b.url).get(`/v1/models/${id}`).expect(200)).body.status as string;
      await replicas.waitUntilReady(c);
      const seen = await history;

      assert.ok(
        !SETTLED.has(whenUp),
        `the run was already ${whenUp} when replica C came up: nothing was tested, train longer`,
      );
      const path = seen.map((s) => (s.error ? `${s.status} (${s.error})` : s.status)).join(' → ');
      assert.ok(!seen.some((s) => s.status === 'failed'), `model version ${id} went ${path}`);
      assert.ok(['candidate', 'active'].includes(seen[seen.length - 1].status), `model version ${id} went ${path}`);
    });

    it('should answer every request in flight at SIGTERM with a complete 200', { timeout: 300_000 }, async () => {
      const draining = await replicas.start({ SHUTDOWN_DELAY_MS: '2000' });
      await replicas.waitUntilReady(draining);
      // A replica in service has answered these users before: six batches put all 300 in its result
      // cache, so the batches below are CPU work only and keep the event loop busy. That is the hard
      // case: a request that has arrived may still be unread when the listener closes.
      for (let r = 0; r < 6; r++) assert.equal(await recommendBatch(draining.url, r), null);
      const requests = Array.from({ length: 40 }, (_, r) => recommendBatch(draining.url, r));
      await sleep(30);
      const [outcomes, exitCode] = await Promise.all([Promise.all(requests), replicas.stop(draining)]);
      const failed = outcomes.filter((failure): failure is string => failure !== null);

      assert.deepEqual(failed, [], `${failed.length} of ${requests.length} requests failed`);
      assert.equal(exitCode, 0, draining.output().slice(-10).join('\n'));
    });

    it(
      'should lose no request and no acknowledged feedback while every replica is replaced under load',
      { timeout: 600_000 },
      async () => {
        assert.equal(replicas.replicas.length, REPLICAS);
        await balancer.waitForReady(REPLICAS);
        const maxRequests = 100_000;
        const load = new LoadDriver(balancer.url, { concurrency: 6, maxRequests, maxMs: 540_000 });
        load.start();
        const exitCodes = await replaceEach(replicas).catch(async (error: Error) => {
          await load.stop();
          throw error;
        });
        const result = await load.stop();

        assert.ok(
          result.requests > 0 && result.requests < maxRequests,
          `the load did not last the whole restart (${result.requests} requests)`,
        );
        assert.equal(
          result.failures.length,
          0,
          `${result.failures.length} of ${result.requests} requests failed; the first:\n${result.failures.slice(0, 10).join('\n')}`,
        );
        assert.deepEqual(exitCodes, [0, 0, 0]);
        assert.ok(result.acknowledgedFeedback.size > 0, 'no feedback was acknowledged');
        const missing: string[] = [];
        for (const [userId, tags] of result.acknowledgedFeedback) {
          const stored = (await request(balancer.url).get(`/v1/users/${userId}/feedback?limit=1000`).expect(200)).body
            .feedback as {
            context: { recommendation_id: string | null };
          }[];
          const ids = new Set(stored.map((event) => event.context.recommendation_id));
          missing.push(...tags.filter((tag) => !ids.has(tag)).map((tag) => `${userId}: ${tag}`));
        }
        assert.equal(
          missing.length,
          0,
          `${missing.length} acknowledged feedback events are not stored; the first:\n${missing.slice(0, 10).join('\n')}`,
        );
      },
    );

    it(
      'should not rate-limit a service calling through the balancer with its API key',
      { timeout: 300_000 },
      async () => {
        // The per-caller budget, lowered from its default of 500 so that a quarter-minute shows it:
        // 15 requests/s is 60 per replica in 12 s, twice the budget even when three replicas share them.
        // Nothing else is configured: a service key gets whatever the defaults give it.
        await replicas.stopAll();
        const limited = { RATE_LIMIT_PER_MINUTE: '30', API_KEYS: API_KEY };
        const started = await Promise.all(Array.from({ length: REPLICAS }, () => replicas.start(limited)));
        await Promise.all(started.map((replica) => replicas.waitUntilReady(replica)));
        await balancer.waitForReady(REPLICAS);

        const service = await callSteadily(balancer.url, { 'x-api-key': API_KEY }, 15, 12_000);
        const anonymous = await callSteadily(balancer.url, {}, 15, 12_000);

        assert.ok(
          anonymous.refused,
          'an anonymous caller at the same rate was never refused: the budget is not in force, so this test shows nothing',
        );
        assert.equal(service.refused, undefined, `the service's key was refused: ${service.refused}`);
        assert.deepEqual(service.failures, []);
      },
    );
  },
);

/** A rolling update over every replica, one after the other; resolves with the exit codes of the old ones. */
async function replaceEach(replicas: ReplicaSet): Promise<(number | null)[]> {
  const exitCodes: (number | null)[] = [];
  for (const old of [...replicas.replicas]) exitCodes.push((await replicas.replace(old)).exitCode);
  return exitCodes;
}

/** Polls a version until it settles (or `timeoutMs` passes); returns every status it was seen in, in order. */
async function followStatus(
  url: string,
  id: number,
  timeoutMs: number,
): Promise<{ status: string; error: string | null }[]> {
  const seen: { status: string; error: string | null }[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { status, error } = (await request(url).get(`/v1/models/${id}`).expect(200)).body as {
      status: string;
      error: string | null;
    };
    if (seen[seen.length - 1]?.status !== status) seen.push({ status, error });
    if (SETTLED.has(status)) break;
    await sleep(200);
  }
  return seen;
}

async function waitForTrainingIdle(url: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await request(url).get('/v1/models?status=training&limit=1').expect(200)).body.total > 0) {
    if (Date.now() > deadline) throw new Error(`training still running after ${timeoutMs} ms`);
    await sleep(500);
  }
}

/** Batch `r` of 50 demo users, 50 items each; null when it got a 200 with every list whole, else why not. */
async function recommendBatch(url: string, r: number): Promise<string | null> {
  const userIds = Array.from({ length: 50 }, (_, k) => demoUserId(r * 50 + k));
  try {
    const response = await fetch(`${url}/v1/recommendations/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_ids: userIds, limit: 50 }),
    });
    const text = await response.text();
    if (response.status !== 200) return `batch ${r}: ${response.status} ${text.slice(0, 200)}`;
    const body = JSON.parse(text) as { count: number; results: { recommendations: unknown[] }[] };
    if (body.count !== 50 || !body.results.every((result) => Array.isArray(result.recommendations)))
      return `batch ${r}: incomplete ${text.slice(0, 200)}`;
    return null;
  } catch (error) {
    const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
    return `batch ${r}: ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`;
  }
}

/**
 * A backend's steady traffic: `perSecond` profile reads for `durationMs`, each sent on schedule
 * whether or not the last has answered. Stops at the first 429 and says when it came.
 */
async function callSteadily(
  url: string,
  headers: Record<string, string>,
  perSecond: number,
  durationMs: number,
): Promise<{ refused?: string; failures: string[] }> {
  const failures: string[] = [];
  const started = Date.now();
  const calls: Promise<void>[] = [];
  let refused: string | undefined;
  for (let n = 0; n < (perSecond * durationMs) / 1000 && refused === undefined; n++) {
    await sleep(started + (n * 1000) / perSecond - Date.now());
    calls.push(
      fetch(`${url}/v1/users/${demoUserId(n)}`, { headers }).then(
        async (response) => {
          const text = await response.text();
          if (response.status === 429)
            refused ??= `429 on request ${n + 1}, ${((Date.now() - started) / 1000).toFixed(1)} s in: ${text}`;
          else if (response.status !== 200) failures.push(`request ${n + 1}: ${response.status} ${text.slice(0, 200)}`);
        },
        (error: Error) => {
          failures.push(`request ${n + 1}: ${error.message}`);
        },
      ),
    );
  }
  await Promise.all(calls);
  return { refused, failures };
}
