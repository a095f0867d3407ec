import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ImpressionsRepository } from '../../src/repositories/impressions.repository';
import { startTestApp, TestApp } from '../support/app';
import { DIALECTS, dialectSkip } from '../support/databases';

const DAY_MS = 86_400_000;
const HOUR_MS = 3600_000;
/** (z₀.₉₇₅ + z₀.₈)²: the fixed-horizon sample size's constant at 95% confidence and 80% power. */
const Z_SQUARED = (1.959964 + 0.841621) ** 2;

function assertClose(actual: number | null, expected: number, tolerance: number, label = ''): void {
  assert.ok(
    actual !== null && Math.abs(actual - expected) <= tolerance,
    `${label} expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

function experiment(id: string, extra: Record<string, unknown> = {}) {
  return {
    experiment_id: id,
    name: `Experiment ${id}`,
    inference: 'fixed_horizon',
    target_lift: 0.5,
    variants: [
      { variant_id: 'control', algorithm: 'popularity', traffic_percentage: 50 },
      { variant_id: 'treatment', algorithm: 'item_knn', traffic_percentage: 50 },
    ],
    ...extra,
  };
}

for (const dialect of DIALECTS) {
  describe(
    `experiment duration estimate on creation on ${dialect}`,
    { skip: dialectSkip(dialect), timeout: 600_000 },
    () => {
      let t: TestApp;
      before(async () => {
        t = await startTestApp(dialect);
      });
      after(async () => t?.close());

      const create = async (body: object) => (await t.http.post('/v1/experiments').send(body).expect(201)).body;
      const get = async (id: string) => (await t.http.get(`/v1/experiments/${id}`).expect(200)).body;
      const feedback = async (events: object[]) => t.http.post('/v1/feedback/batch').send({ events }).expect(200);

      it('should answer nulls with a reason when there is no history, on creation and on GET of the draft', async () => {
        const created = await create(experiment('empty'));
        assert.equal(created.design.source, null);
        assert.equal(created.design.baseline_rate, null);
        assert.equal(created.design.users_per_day, null);
        assert.equal(created.design.estimated_days, null);
        assert.match(created.design.reason, /no feedback in the last 14 days/);
        assert.deepEqual(created.design.treatments, [
          { variant_id: 'treatment', participants_needed: null, participants_per_day: null, estimated_days: null },
        ]);
        assert.deepEqual((await get('empty')).design, created.design);
        // What GET returns can still be sent back: design is read-only.
        await t.http
          .post('/v1/experiments')
          .send({ ...created, experiment_id: 'empty_copy' })
          .expect(201);
        await t.http.patch('/v1/experiments/empty').send(created).expect(200);
        const { body: list } = await t.http.get('/v1/experiments').expect(200);
        assert.equal(list.experiments[0].design, undefined, 'the list stays cheap: no estimate per experiment');
      });

      it('should estimate from the feedback log when no lists were shown: active users per day and the share who clicked', async () => {
        // 40 users over 3.5 days (user k acts (k mod 4) + 0.5 days ago), 10 of them click:
        // p = 0.25, σ² = (10 − 10²/40)/39 = 7.5/39, 40/3.5 users a day.
        const now = Date.now();
        await feedback(
          Array.from({ length: 40 }, (_, k) => ({
            user_id: `active_${k}`,
            event_id: `item_${k % 7}`,
            action: k < 10 ? 'click' : 'skip',
            context: { timestamp: new Date(now - ((k % 4) + 0.5) * DAY_MS).toISOString() },
          })),
        );
        const { design } = await create(experiment('from_feedback', { primary_metric: 'conversion_rate' }));
        assert.equal(design.source, 'feedback');
        assert.equal(design.primary_metric, 'conversion_rate');
        assert.equal(design.baseline_rate, 0.25);
        assertClose(design.baseline_variance, 7.5 / 39, 1e-12, 'variance');
        assertClose(design.users_per_day, 40 / 3.5, 1e-3, 'users per day');
        // 50/50 at a 50% lift: Z²·σ²·4/(0.25·0.5)² = 386.43 → 387 participants.
        const needed = Math.ceil((Z_SQUARED * (7.5 / 39) * 4) / (0.25 * 0.5) ** 2);
        assert.equal(needed, 387);
        const [pair] = design.treatments;
        assert.equal(pair.participants_needed, needed);
        assertClose(pair.estimated_days, (needed * 3.5) / 40, 1e-3, 'days');
        assert.equal(design.estimated_days, pair.estimated_days);
        assert.equal(design.reason, null);

        // While a draft, the estimate follows the design: a 25% split for the treatment needs more.
        const { body: patched } = await t.http
          .patch('/v1/experiments/from_feedback')
          .send({
            variants: [
              { variant_id: 'control', algorithm: 'popularity', traffic_percentage: 75 },
              { variant_id: 'treatment', algorithm: 'item_knn', traffic_percentage: 25 },
            ],
          })
          .expect(200);
        // 1/q_c + 1/q_t = 4/3 + 4 = 16/3: 386.43·(16/3)/4 = 515.2 → 516.
        assert.equal(patched.design.treatments[0].participants_needed, 516);
      });

      it('should estimate per list from lists shown under earlier experiments, counting clicks by recommendation_id', async () => {
        // 20 users, each shown two lists (2 days and 1 day ago); users 0-4 click on their first list:
        // CTR = 5/40 = 0.125, per-user variance (delta method, x = 2 for all) = ((5 − 25/20)/19)/2².
        const now = Date.now();
        const impressions = Array.from({ length: 20 }, (_, k) => [
          { recommendationId: `rec_${k}_a`, createdAt: now - 2 * DAY_MS + k * 60_000 },
          { recommendationId: `rec_${k}_b`, createdAt: now - DAY_MS },
        ]).flatMap((lists, k) =>
          lists.map((list) => ({
            ...list,
            userId: `shown_${k}`,
            experimentId: 'earlier',
            variantId: 'control',
            itemIds: ['item_1', 'item_2'],
          })),
        );
        await t.app.get(ImpressionsRepository).insert(impressions);
        const clickAt = new Date(now - 2 * DAY_MS + HOUR_MS).toISOString();
        await feedback([
          ...Array.from({ length: 5 }, (_, k) => ({
            user_id: `shown_${k}`,
            event_id: 'item_1',
            action: 'click',
            context: { recommendation_id: `rec_${k}_a`, timestamp: clickAt },
          })),
          // Another response's id, and someone else's list: neither is a click on these users' lists.
          { user_id: 'shown_5', event_id: 'item_1', action: 'click', context: { recommendation_id: 'rec_elsewhere' } },
          { user_id: 'shown_6', event_id: 'item_1', action: 'click', context: { recommendation_id: 'rec_0_a' } },
        ]);
        const { design } = await create(experiment('from_impressions', { status: 'active' }));
        const variance = 3.75 / 19 / 4;
        assert.equal(design.source, 'impressions');
        assert.equal(design.primary_metric, 'click_through_rate');
        assert.equal(design.baseline_rate, 0.125);
        assertClose(design.baseline_variance, variance, 1e-12, 'variance');
        assertClose(design.users_per_day, 10, 1e-3, 'users per day');
        // Z²·σ²·4/(0.125·0.5)² = 396.57 → 397 participants at 10 a day.
        const needed = Math.ceil((Z_SQUARED * variance * 4) / (0.125 * 0.5) ** 2);
        assert.equal(needed, 397);
        assert.equal(design.treatments[0].participants_needed, needed);
        assertClose(design.estimated_days, needed / 10, 1e-2, 'days');
        assert.equal((await get('from_impressions')).design, undefined, 'once running, results carry power instead');
      });
    },
  );
}
