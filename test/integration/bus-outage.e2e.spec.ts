import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, databaseUrl, TestDatabase } from '../support/databases';
import { BusClient, natsSkip, PrivateNatsServer } from '../support/nats';
import { freePort, ServerProcess, spawnServer, waitUntilOk } from '../support/server-process';

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function click(n: number) {
  return { feedback_id: `fb_${n}`, user_id: 'reader', event_id: `e${n}`, action: 'click' };
}

// The suite runs its own nats-server, so it needs only the binary; NATS_TEST_URL says it is installed.
describe('the bus going down and coming back', { skip: natsSkip, timeout: 600_000 }, () => {
  let nats: PrivateNatsServer;
  let database: TestDatabase;
  let server: ServerProcess;

  before(async () => {
    nats = await PrivateNatsServer.start();
    database = await createTestDatabase('sqlite');
    server = spawnServer(
      { DATABASE_URL: databaseUrl(database.config), NATS_URL: nats.url, BUS_RECOMMENDATIONS_SAMPLE_RATE: '1' },
      await freePort(),
    );
    await waitUntilOk(server, '/ready');
  });

  after(async () => {
    await server?.kill();
    await nats?.stop();
    await database?.drop();
  });

  const get = async (path: string) => fetch(`${server.url}${path}`);
  const storedCount = async () =>
    ((await (await get('/v1/users/reader/feedback?limit=1000')).json()) as { count: number }).count;
  const metric = async (line: string) => (await (await get('/metrics')).text()).split('\n').includes(line);
  const publishedAs = async (bus: BusClient, type: string) => bus.read('ML_SERVICE', `ml-service.events.${type}`);

  it('should declare the stream, take messages, keep HTTP up while the bus is down and catch up after', async () => {
    let bus = await BusClient.open(nats.url);
    await waitUntil('the service declared its stream', async () => (await bus.streamSubjects('ML_SERVICE')) !== null);
    assert.deepEqual(await bus.streamSubjects('ML_SERVICE'), ['ml-service.>']);

    await bus.publishAll(
      'ml-service.feedback',
      Array.from({ length: 50 }, (_, n) => click(n)),
    );
    await bus.publish('ml-service.catalogue', { id: 'bus_item', name: 'From the bus', type: 'gig' });
    await waitUntil('50 events are stored', async () => (await storedCount()) === 50);
    await waitUntil('the item is stored', async () => (await get('/v1/items/bus_item')).status === 200);
    assert.equal(((await (await get('/v1/items/bus_item')).json()) as { name: string }).name, 'From the bus');
    await bus.close();

    await nats.kill();
    await waitUntil('the service notices', () => metric('ml_service_bus_connected 0'));
    assert.equal((await get('/ready')).status, 200);
    const posted = await fetch(`${server.url}/v1/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'reader', event_id: 'by_http', action: 'save' }),
    });
    assert.equal(posted.status, 200);
    assert.equal(await storedCount(), 51);

    await nats.restart();
    bus = await BusClient.open(nats.url);
    try {
      await bus.publishAll(
        'ml-service.feedback',
        Array.from({ length: 50 }, (_, n) => click(50 + n)),
      );
      await waitUntil('the consumer resumed by itself', async () => (await storedCount()) === 101);
      await waitUntil('the service is connected', () => metric('ml_service_bus_connected 1'));
      await waitUntil('the lag is zero', () => metric('ml_service_bus_consumer_lag_messages{subject="feedback"} 0'));
      // At least once: a message whose ack the dying server never got is delivered again, stored
      // once (its feedback_id) and counted again.
      const stored = (await (await get('/metrics')).text()).match(
        /^ml_service_bus_messages_total\{subject="feedback",result="stored"\} (\d+)$/m,
      );
      assert.ok(stored && Number(stored[1]) >= 100, `stored counter ${stored?.[1]}`);

      const experiment = {
        experiment_id: 'bus_test',
        name: 'Bus test',
        variants: [
          { variant_id: 'a', name: 'A', algorithm: 'popularity', traffic_percentage: 50 },
          { variant_id: 'b', name: 'B', algorithm: 'item_knn', traffic_percentage: 50 },
        ],
      };
      const created = await fetch(`${server.url}/v1/experiments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(experiment),
      });
      assert.equal(created.status, 201);
      await waitUntil(
        'experiment_changed is published',
        async () => (await publishedAs(bus, 'experiment_changed')).length === 1,
      );
      assert.deepEqual(
        (await publishedAs(bus, 'experiment_changed')).map((event) => {
          const { occurred_at, ...rest } = event as { occurred_at: string };
          assert.ok(!Number.isNaN(Date.parse(occurred_at)));
          return rest;
        }),
        [{ type: 'experiment_changed', experiment_id: 'bus_test', change: 'created', status: 'draft' }],
      );

      const served = (await (await get('/v1/recommendations/reader?limit=3')).json()) as { recommendation_id: string };
      await waitUntil('recommendation_served is published', async () =>
        (await publishedAs(bus, 'recommendation_served')).some(
          (event) => (event as { recommendation_id: string }).recommendation_id === served.recommendation_id,
        ),
      );
    } finally {
      await bus.close();
    }
  });
});
