import { RecommendationsService } from '../src/recommendations/recommendations.service';
import { startTestApp } from '../test/support/app';
import { Dialect, DIALECTS, dialectSkip } from '../test/support/databases';
import { catalogueFixture } from '../test/support/fixtures';

const USERS = 500;
const EVENTS_PER_USER = 100;
const HITS = 3000;

/**
 * `node dist/bench/cache-hit.js`: what one cache-hit recommendation costs inside the service
 * (no HTTP), on a log of 50,000 events, on SQLite and (with MYSQL_TEST_URL) MySQL. Run on two
 * builds to compare them: each hit is now checked against the log with one indexed seek.
 */
async function measure(dialect: Dialect): Promise<void> {
  const t = await startTestApp(dialect, { ENABLED_ALGORITHMS: 'popularity', CACHE_TTL_SECONDS: '600' });
  try {
    const items = catalogueFixture();
    await t.http.post('/v1/items/batch').send({ items }).expect(200);
    for (let u = 0; u < USERS; u += 10) {
      const events = [];
      for (let k = u; k < u + 10; k++) {
        for (let e = 0; e < EVENTS_PER_USER; e++)
          events.push({
            user_id: `user_${k}`,
            event_id: items[(k + e) % 24].id,
            action: e % 10 === 0 ? 'save' : 'click',
          });
      }
      await t.http.post('/v1/feedback/batch').send({ events }).expect(200);
    }
    await t.http.post('/v1/model/retrain').send({}).expect(200);
    const service = t.app.get(RecommendationsService);
    const request = (k: number) => ({ userId: `user_${k % USERS}`, algorithm: 'popularity' as const, limit: 10 });
    for (let k = 0; k < USERS; k++) await service.recommend(request(k));
    const before = service.cacheStats.hits;
    const times: number[] = [];
    for (let k = 0; k < HITS; k++) {
      const started = performance.now();
      await service.recommend(request(k));
      times.push((performance.now() - started) * 1000);
    }
    if (service.cacheStats.hits - before !== HITS)
      throw new Error(`expected ${HITS} cache hits, got ${service.cacheStats.hits - before}`);
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.floor(q * (times.length - 1))].toFixed(0);
    console.log(
      `${dialect}: cache-hit recommend() over ${HITS} hits: median ${at(0.5)} µs, p90 ${at(0.9)} µs, p99 ${at(0.99)} µs`,
    );
  } finally {
    await t.close();
  }
}

async function main(): Promise<void> {
  for (const dialect of DIALECTS) {
    if (!dialectSkip(dialect)) await measure(dialect);
  }
}

void main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
