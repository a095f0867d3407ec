import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dialectSkip } from '../support/databases';
import { createDeployment, Deployment } from '../support/deployment';

const REPLICAS = 3;
/** A replica is live before it is ready; an empty install has nothing to load, so this is plenty. */
const READY_WITHIN_MS = 15_000;

/**
 * A first deployment: three replicas on a new, empty MariaDB database, no demo data and no feedback.
 * An empty install is ready (SPEC: "model state is reported, not required") and serves cold-start lists.
 */
describe(
  'a fresh, empty deployment of three replicas on mysql',
  { skip: dialectSkip('mysql'), timeout: 600_000 },
  () => {
    let deployment: Deployment;

    before(
      async () => {
        deployment = await createDeployment({ SEED_DEMO_DATA: 'false' });
        // One at a time, as the first replica runs the migrations the others then find applied.
        for (let r = 0; r < REPLICAS; r++) await deployment.replicas.start();
      },
      { timeout: 300_000 },
    );
    after(() => deployment?.close());

    it(
      'should become ready on every replica and serve cold-start lists through the balancer',
      { timeout: 60_000 },
      async () => {
        const { replicas, balancer } = deployment;
        const readiness = await Promise.allSettled(
          replicas.replicas.map((replica) => replicas.waitUntilReady(replica, READY_WITHIN_MS)),
        );
        const unready = readiness.flatMap((outcome) =>
          outcome.status === 'rejected' ? [(outcome.reason as Error).message.split('\n')[0]] : [],
        );
        assert.deepEqual(unready, [], `${unready.length} of ${REPLICAS} replicas never became ready`);
        await balancer.waitForReady(REPLICAS);

        // Round robin over three ready replicas: six requests reach each one twice.
        for (let n = 0; n < 2 * REPLICAS; n++) {
          const response = await fetch(`${balancer.url}/v1/recommendations`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ user_id: `newcomer_${n}`, city: 'Dublin', limit: 5 }),
          });
          const body = await response.text();
          assert.equal(response.status, 200, body);
          assert.ok(Array.isArray((JSON.parse(body) as { recommendations?: unknown }).recommendations), body);
        }
      },
    );
  },
);
