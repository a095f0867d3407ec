import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, TestApp } from '../support/app';
import { DIALECTS, dialectSkip } from '../support/databases';

interface Recommended {
  event_id: string;
  reason: string;
  metadata: { artists: string[]; event_name: string };
}

const ALGORITHMS = ['popularity', 'item_knn', 'content_based', 'ease', 'hybrid', 'collaborative_filtering'];

/** The most items one artist holds in a list. */
function mostOfOneArtist(list: Recommended[]): number {
  const counts = new Map<string, number>();
  for (const r of list) counts.set(r.metadata.artists[0], (counts.get(r.metadata.artists[0]) ?? 0) + 1);
  return Math.max(0, ...counts.values());
}

/** The demo catalogue: four dates of "Open Mic Cypher with Kojaque" used to fill user_001's top 5. */
for (const dialect of DIALECTS) {
  describe(
    `lists capped per artist on the demo data on ${dialect}`,
    { skip: dialectSkip(dialect), timeout: 600_000 },
    () => {
      let t: TestApp;
      const recommend = async (algorithm: string, limit: number, offset = 0): Promise<Recommended[]> => {
        const { body } = await t.http
          .post('/v1/recommendations')
          .send({ user_id: 'user_001', algorithm, limit, offset })
          .expect(200);
        return body.recommendations;
      };

      before(async () => {
        t = await startTestApp(dialect, {
          SEED_DEMO_DATA: 'true',
          ENABLED_ALGORITHMS: ALGORITHMS.join(','),
          CACHE_TTL_SECONDS: '0',
        });
        // The demo's first training run starts at boot; wait, bounded, until every algorithm serves.
        for (const algorithm of ALGORITHMS) {
          for (let deadline = Date.now() + 300_000; ; await sleep(500)) {
            const { body } = await t.http
              .post('/v1/recommendations')
              .send({ user_id: 'user_001', algorithm })
              .expect(200);
            if (body.algorithm === algorithm && body.model_version !== null) break;
            assert.ok(Date.now() < deadline, `${algorithm} has no model after 300 s`);
          }
        }
      });
      after(async () => t?.close());

      it('should hold at most 2 items of one artist in a top 5 and a top 10, for every algorithm', async () => {
        for (const algorithm of ALGORITHMS) {
          for (const limit of [5, 10]) {
            const list = await recommend(algorithm, limit);
            assert.equal(list.length, limit, `${algorithm} top ${limit}`);
            assert.ok(
              mostOfOneArtist(list) <= 2,
              `${algorithm} top ${limit}: ${JSON.stringify(list.map((r) => r.metadata.event_name))}`,
            );
          }
        }
      });

      it('should page through one capped list: page 2 continues page 1, nothing repeated or skipped', async () => {
        for (const algorithm of ['item_knn', 'ease', 'hybrid', 'popularity']) {
          const whole = await recommend(algorithm, 20);
          const pages = [...(await recommend(algorithm, 10, 0)), ...(await recommend(algorithm, 10, 10))];
          assert.deepEqual(
            pages.map((r) => r.event_id),
            whole.map((r) => r.event_id),
            algorithm,
          );
          assert.equal(new Set(whole.map((r) => r.event_id)).size, whole.length);
          assert.ok(mostOfOneArtist(whole.slice(0, 10)) <= 2 && mostOfOneArtist(whole) <= 4, algorithm);
        }
      });

      it('should keep explaining each item by what the user did', async () => {
        const { body } = await t.http.get('/v1/users/user_001/feedback').query({ limit: 100 }).expect(200);
        const names = new Set<string>();
        for (const event of body.feedback as { event_id: string }[]) {
          const item = (await t.http.get(`/v1/items/${event.event_id}`).expect(200)).body as { name: string };
          names.add(item.name);
        }
        assert.ok(names.size > 0);
        for (const r of await recommend('item_knn', 10)) {
          const because = /^Because you (?:saved|liked|looked at|skipped|hid|disliked) (.+)$/.exec(r.reason);
          assert.ok(because && names.has(because[1]), `${r.reason} names no item user_001 acted on`);
        }
      });
    },
  );
}
