import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Knex } from 'knex';
import { createKnex } from '../../src/database/database';
import { createTestDatabase, databaseUrl, dialectSkip, DIALECTS, TestDatabase } from '../support/databases';
import { BusClient, NATS_TEST_URL, natsSkip, uniqueBus } from '../support/nats';
import { freePort, ServerProcess, spawnServer, waitUntilOk } from '../support/server-process';

const VALID = 20_000;
/** Redelivered by the producer (its own retry): must be stored once. */
const REPEATED = 200;

/** Invalid messages, each with the `detail` POST /v1/feedback would answer for the same body. */
const INVALID: { message: object | string; detail: string }[] = [
  {
    message: { feedback_id: 'bad_rate', user_id: 'u1', event_id: 'e1', action: 'rate', value: 9 },
    detail: 'value must be a rating between 0 and 5 for action rate',
  },
  {
    message: { feedback_id: 'bad_field', user_id: 'u1', event_id: 'e1', action: 'click', colour: 'red' },
    detail: 'property colour should not exist',
  },
  {
    message: { feedback_id: 'bad_user', user_id: 'has space', event_id: 'e1', action: 'click' },
    detail: 'user_id must be 1-191 characters without whitespace',
  },
  { message: 'not json', detail: `Unexpected token 'o', "not json" is not valid JSON` },
  { message: '[1, 2]', detail: 'message must be a JSON object' },
];

function validEvent(n: number) {
  return { feedback_id: `fb_${n}`, user_id: `u${n % 97}`, event_id: `e${n % 500}`, action: 'click' };
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

for (const dialect of DIALECTS) {
  describe(
    `feedback from the bus survives kill -9 on ${dialect}`,
    { skip: natsSkip || dialectSkip(dialect), timeout: 900_000 },
    () => {
      const { stream, prefix } = uniqueBus();
      const subject = `${prefix}.feedback`;
      let database: TestDatabase;
      let db: Knex;
      let bus: BusClient;
      let env: Record<string, string>;
      const servers: ServerProcess[] = [];

      before(async () => {
        database = await createTestDatabase(dialect);
        db = createKnex(database.config);
        bus = await BusClient.open(NATS_TEST_URL as string);
        env = {
          DATABASE_URL: databaseUrl(database.config),
          NATS_URL: NATS_TEST_URL as string,
          NATS_STREAM: stream,
          NATS_SUBJECT_PREFIX: prefix,
        };
      });

      after(async () => {
        for (const server of servers) await server.kill();
        await bus?.deleteStream(stream);
        await bus?.close();
        await db?.destroy();
        await database?.drop();
      });

      const storedCount = async () => {
        if (!(await db.schema.hasTable('interactions'))) return 0;
        return Number((await db('interactions').count({ n: '*' }))[0].n);
      };

      it('should store every valid event exactly once and set the invalid ones aside with the reason', async () => {
        // The stream already exists, as an operator may have declared it: the service uses it as it is.
        await bus.createStream(stream, [`${prefix}.>`]);
        const messages: (object | string)[] = Array.from({ length: VALID }, (_, n) => validEvent(n));
        INVALID.forEach(({ message }, i) => messages.splice(((i + 1) * VALID) / (INVALID.length + 1), 0, message));
        for (let n = 0; n < REPEATED; n++) messages.push(validEvent(n * 7));
        await bus.publishAll(subject, messages);

        const first = spawnServer(env, await freePort());
        servers.push(first);
        await waitUntil('the first events are stored', async () => (await storedCount()) >= 1000);
        await first.kill();
        const storedAtKill = await storedCount();
        assert.ok(storedAtKill < VALID, `all ${VALID} events were stored before the kill: nothing was in flight`);

        const second = spawnServer(env, await freePort());
        servers.push(second);
        await waitUntilOk(second, '/ready');
        await waitUntil(
          'the consumer has caught up',
          async () => (await bus.consumerLag(stream, `${subject.replace(/\./g, '_')}`)) === 0,
        );

        const rows: { feedback_id: string }[] = await db('interactions').select('feedback_id');
        const ids = rows.map((row) => row.feedback_id);
        assert.equal(ids.length, VALID, `${ids.length} rows for ${VALID} valid events (${storedAtKill} at the kill)`);
        assert.deepEqual(new Set(ids), new Set(Array.from({ length: VALID }, (_, n) => `fb_${n}`)));

        // At least once here too: a notice may come twice if the kill fell between it and the termination.
        const rejected = (await bus.read(stream, `${subject}.rejected`)) as { detail: string; message: string }[];
        const notices = new Map(rejected.map(({ detail, message }) => [message, detail]));
        assert.deepEqual(
          notices,
          new Map(
            INVALID.map(({ message, detail }) => [
              typeof message === 'string' ? message : JSON.stringify(message),
              detail,
            ]),
          ),
        );
      });
    },
  );
}
