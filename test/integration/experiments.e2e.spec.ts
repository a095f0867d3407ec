import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Mt19937 } from '../../src/algorithms/mt19937';
import { ExperimentAssigner } from '../../src/experiments/experiment-assigner';
import { ImpressionRecorder } from '../../src/experiments/impression-recorder';
import { RecommendationResponseDto } from '../../src/recommendations/recommendations.dto';
import { ExperimentsRepository } from '../../src/repositories/experiments.repository';
import { startReplica, startTestApp, TestApp } from '../support/app';
import { DIALECTS, dialectSkip } from '../support/databases';

const HOUR_MS = 3600_000;

function halves(a = 'control', b = 'treatment') {
  return [
    { variant_id: a, name: 'A', algorithm: 'popularity', traffic_percentage: 50 },
    { variant_id: b, name: 'B', algorithm: 'item_knn', params: { neighbours: 20 }, traffic_percentage: 50 },
  ];
}

function newExperiment(id: string, extra: Record<string, unknown> = {}) {
  return { experiment_id: id, name: `Experiment ${id}`, variants: halves(), ...extra };
}

/** Runs task(0..count-1), 50 at a time: first exposures are single-row writes, slow one by one on MySQL. */
async function inParallel(count: number, task: (i: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - start) }, (_, k) => task(start + k)));
  }
}

for (const dialect of DIALECTS) {
  describe(`experiments API on ${dialect}`, { skip: dialectSkip(dialect) }, () => {
    let t: TestApp;
    let assigner: ExperimentAssigner;
    let recorder: ImpressionRecorder;
    let repository: ExperimentsRepository;
    before(async () => {
      t = await startTestApp(dialect);
      assigner = t.app.get(ExperimentAssigner);
      recorder = t.app.get(ImpressionRecorder);
      repository = t.app.get(ExperimentsRepository);
    });
    after(async () => t?.close());

    const create = async (body: object) => (await t.http.post('/v1/experiments').send(body).expect(201)).body;
    const patch = (id: string, body: object) => t.http.patch(`/v1/experiments/${id}`).send(body);
    const results = async (id: string, query = '') => (await t.http.get(`/v1/experiments/${id}/results${query}`).expect(200)).body;

    it('should seed rec_algorithm_v1 and list it in the contract shape', async () => {
      const { body } = await t.http.get('/v1/experiments').expect(200);
      assert.equal(body.count, body.experiments.length);
      const seeded = body.experiments.find((e: { experiment_id: string }) => e.experiment_id === 'rec_algorithm_v1');
      assert.equal(seeded.status, 'active');
      assert.equal(seeded.name, 'Recommendation Algorithm Test');
      assert.deepEqual(
        seeded.variants.map((v: Record<string, unknown>) => [v.variant_id, v.name, v.algorithm, v.traffic_percentage]),
        [
          ['control', 'Baseline', 'popularity', 40],
          ['collaborative_filtering', 'Collaborative Filtering', 'collaborative_filtering', 30],
          ['content_based', 'Content-Based', 'content_based', 30],
        ],
      );
      assert.equal(seeded.control_variant, 'control');
      assert.deepEqual(seeded.metrics_tracked, ['click_through_rate', 'save_rate', 'hide_rate']);
      assert.ok(!Number.isNaN(Date.parse(seeded.created_at)) && !Number.isNaN(Date.parse(seeded.start_date)));

      assert.deepEqual((await t.http.get('/v1/experiments/rec_algorithm_v1').expect(200)).body, seeded);
      const drafts = (await t.http.get('/v1/experiments?status=draft').expect(200)).body;
      assert.ok(drafts.experiments.every((e: { status: string }) => e.status === 'draft'));
      assert.match((await t.http.get('/v1/experiments?status=running').expect(400)).body.detail, /status must be one of/);
      assert.match((await t.http.get('/v1/experiments/no_such_experiment').expect(404)).body.detail, /no_such_experiment not found/);
    });

    it('should create an experiment, answer 409 for a taken id, and read it back', async () => {
      const created = await create(
        newExperiment('crud', { description: 'why', metrics_tracked: ['save_rate'], forced_assignments: { qa_1: 'treatment' } }),
      );
      assert.equal(created.status, 'draft');
      assert.equal(created.start_date, null);
      assert.deepEqual(created.variants[1], {
        variant_id: 'treatment',
        name: 'B',
        algorithm: 'item_knn',
        params: { neighbours: 20 },
        traffic_percentage: 50,
        is_control: false,
      });
      assert.deepEqual(created.forced_assignments, { qa_1: 'treatment' });
      assert.deepEqual((await t.http.get('/v1/experiments/crud').expect(200)).body, created);
      const { body } = await t.http.post('/v1/experiments').send(newExperiment('crud')).expect(409);
      assert.match(body.detail, /crud already exists/);
      const listed = (await t.http.get('/v1/experiments?status=draft').expect(200)).body;
      assert.ok(listed.experiments.some((e: { experiment_id: string }) => e.experiment_id === 'crud'));
    });

    it('should reject bad experiments with 400 naming the field, storing nothing', async () => {
      const [a, b] = halves();
      const cases: [object, RegExp][] = [
        [newExperiment('bad', { variants: [a, { ...b, traffic_percentage: 40 }] }), /variants: traffic_percentage must add up to 100, got 90/],
        [newExperiment('bad', { variants: [{ ...a, traffic_percentage: 100 }] }), /variants must contain at least 2 elements/],
        [newExperiment('bad', { variants: [a, { ...b, variant_id: 'control' }] }), /variant_id control appears more than once/],
        [newExperiment('bad', { variants: [a, { ...b, algorithm: 'magic' }] }), /variants\.1\.algorithm must be one of/],
        [newExperiment('bad', { variants: [{ ...a, traffic_percentage: -5 }, b] }), /variants\.0\.traffic_percentage must not be less than 0\.01/],
        [newExperiment('bad', { variants: [{ ...a, traffic_percentage: 33.333 }, b] }), /variants\.0\.traffic_percentage/],
        [newExperiment('bad', { variants: [{ ...a, variant_id: 'has space' }, b] }), /variants\.0\.variant_id must be 1-100 characters/],
        [newExperiment('bad', { variants: [a, { ...b, params: { nested: { x: 1 } } }] }), /variants\.1\.params must be an object/],
        [newExperiment('bad', { variants: [a, { ...b, params: { neighbourz: 5 } }] }), /variants\.1\.params\.neighbourz is not a parameter of item_knn \(known: neighbours/],
        [newExperiment('bad', { variants: [a, { ...b, params: { neighbours: 'many' } }] }), /variants\.1\.params\.neighbours must be a number/],
        [newExperiment('bad', { variants: 'all of them' }), /variants must be an array/],
        [{ name: 'No id', variants: halves() }, /experiment_id/],
        [newExperiment('bad', { name: '' }), /name should not be empty/],
        [newExperiment('bad', { status: 'completed' }), /status must be one of/],
        [newExperiment('bad', { metrics_tracked: ['engagement_time'] }), /metrics_tracked must be one of click_through_rate, save_rate, hide_rate/],
        [newExperiment('bad', { forced_assignments: { qa_1: 'nope' } }), /forced_assignments: user qa_1 is pinned to nope/],
        [newExperiment('bad', { forced_assignments: ['qa_1'] }), /forced_assignments must map/],
        [newExperiment('bad', { colour: 'blue' }), /property colour should not exist/],
      ];
      for (const [payload, detail] of cases) {
        const { body } = await t.http.post('/v1/experiments').send(payload).expect(400);
        assert.match(body.detail, detail, JSON.stringify(payload));
      }
      await t.http.get('/v1/experiments/bad').expect(404);
    });

    it('should move through draft → active ↔ paused → completed and refuse anything else with 409', async () => {
      await create(newExperiment('life'));
      assert.match((await patch('life', { status: 'paused' }).expect(409)).body.detail, /cannot go from draft to paused/);
      const active = (await patch('life', { status: 'active' }).expect(200)).body;
      assert.ok(active.start_date);
      const paused = (await patch('life', { status: 'paused' }).expect(200)).body;
      assert.equal(paused.status, 'paused');
      const resumed = (await patch('life', { status: 'active', name: 'Renamed' }).expect(200)).body;
      assert.equal(resumed.start_date, active.start_date, 'resuming keeps the original start');
      assert.equal(resumed.name, 'Renamed');
      assert.match((await patch('life', { status: 'draft' }).expect(409)).body.detail, /cannot go from active to draft/);
      const completed = (await patch('life', { status: 'completed' }).expect(200)).body;
      assert.ok(completed.end_date);
      assert.match((await patch('life', { status: 'active' }).expect(409)).body.detail, /completed and can no longer change/);
      assert.match((await patch('life', { description: 'x' }).expect(409)).body.detail, /completed/);
      assert.match((await patch('life', { status: 'over' }).expect(400)).body.detail, /status must be one of/);
      assert.match((await patch('nothing_here', { status: 'active' }).expect(404)).body.detail, /not found/);
    });

    it('should keep exposed users in their variant through a traffic change and refuse removing an assigned variant', async () => {
      await create(newExperiment('traffic', { status: 'active' }));
      const users = Array.from({ length: 100 }, (_, i) => `traffic_user_${i}`);
      const before = await Promise.all(users.map(async (u) => (await assigner.assign(u, 'traffic'))?.variantId));
      assert.ok(before.includes('control') && before.includes('treatment'));

      const [a, b] = halves();
      const changed = (await patch('traffic', { variants: [{ ...a, traffic_percentage: 5 }, { ...b, traffic_percentage: 95 }] }).expect(200)).body;
      assert.deepEqual(
        changed.variants.map((v: { traffic_percentage: number }) => v.traffic_percentage),
        [5, 95],
      );
      const after = await Promise.all(users.map(async (u) => (await assigner.assign(u, 'traffic'))?.variantId));
      assert.deepEqual(after, before);

      const { body } = await patch('traffic', { variants: [a, { ...b, variant_id: 'renamed' }] }).expect(409);
      assert.match(body.detail, /treatment cannot be removed because users are already assigned/);
      assert.match((await patch('traffic', { forced_assignments: { qa: 'ghost' } }).expect(400)).body.detail, /forced_assignments/);

      // Without assignments the list may still be reshaped freely.
      await create(newExperiment('reshape'));
      const reshaped = (await patch('reshape', { variants: [a, { ...b, variant_id: 'renamed' }] }).expect(200)).body;
      assert.equal(reshaped.variants[1].variant_id, 'renamed');
    });

    it('should assign identically on two replicas sharing one database', async () => {
      const variants = [
        { variant_id: 'control', algorithm: 'popularity', traffic_percentage: 34 },
        { variant_id: 'b', algorithm: 'item_knn', traffic_percentage: 33 },
        { variant_id: 'c', algorithm: 'content_based', traffic_percentage: 33 },
      ];
      await create(newExperiment('replicas', { status: 'active', variants }));
      const replica = await startReplica(t.config);
      try {
        const other = replica.app.get(ExperimentAssigner);
        const users = Array.from({ length: 300 }, (_, i) => `replica_user_${i}`);
        // Each replica sees half the users first, so both paths (compute and store, read stored) are exercised.
        const first = await Promise.all(users.map((u, i) => (i % 2 ? assigner : other).assign(u, 'replicas')));
        const second = await Promise.all(users.map((u, i) => (i % 2 ? other : assigner).assign(u, 'replicas')));
        assert.deepEqual(second, first);
        assert.equal(new Set(first.map((a) => a?.variantId)).size, 3);
        const seeded = (await replica.http.get('/v1/experiments').expect(200)).body.experiments.filter(
          (e: { experiment_id: string }) => e.experiment_id === 'rec_algorithm_v1',
        );
        assert.equal(seeded.length, 1, 'the second replica seeded nothing twice');
      } finally {
        await replica.close();
      }
    });

    it('should answer results without data with zeros and nulls, never NaN', async () => {
      await create(newExperiment('empty'));
      const { text } = await t.http.get('/v1/experiments/empty/results').expect(200);
      assert.doesNotMatch(text, /NaN|Infinity/);
      const body = JSON.parse(text);
      assert.equal(body.participants, 0);
      assert.equal(body.attribution_hours, 24);
      assert.deepEqual(body.variants[0].metrics, { click_through_rate: 0, save_rate: 0, hide_rate: 0 });
      assert.equal(body.variants[1].statistical_significance.vs_control.p_value, 1);
      assert.equal(body.variants[1].statistical_significance.vs_control.relative_lift, null);
      assert.equal(body.summary, 'No variant differs significantly from control yet (n=0).');
      await t.http.get('/v1/experiments/missing/results').expect(404);
      assert.match((await t.http.get('/v1/experiments/empty/results?attribution_hours=0').expect(400)).body.detail, /attribution_hours/);
      assert.match((await t.http.get('/v1/experiments/empty/results?attribution_hours=soon').expect(400)).body.detail, /attribution_hours/);
    });

    it('should detect a sample ratio mismatch on a broken split, and not on a fair one', async () => {
      await create(newExperiment('srm', { status: 'active' }));
      await inParallel(1000, (i) => repository.assignIfAbsent('srm', `srm_user_${i}`, i < 560 ? 'control' : 'treatment'));
      const broken = await results('srm');
      assert.deepEqual(
        broken.variants.map((v: { participants: number }) => v.participants),
        [560, 440],
      );
      assert.equal(broken.sample_ratio_mismatch.detected, true);
      assert.ok(broken.sample_ratio_mismatch.p_value < 0.001);
      assert.match(broken.summary, /^Sample ratio mismatch/);

      // The hash splits these 1,000 users 502/498 here; under the id "fair" it would give 446/554,
      // a 1-in-1,500 imbalance that the check rightly flags.
      await create(newExperiment('fair_split', { status: 'active' }));
      await inParallel(1000, (i) => assigner.assign(`fair_user_${i}`, 'fair_split'));
      const fair = await results('fair_split');
      assert.equal(fair.participants, 1000);
      assert.equal(fair.sample_ratio_mismatch.detected, false);
    });

    it('should attribute feedback by recommendation_id and by the attribution window', async () => {
      await create(newExperiment('attr', { status: 'active', forced_assignments: { qa_user: 'treatment' } }));
      const shown = async (user: string, recommendationId: string, itemIds: string[]) => {
        const assignment = await assigner.assign(user, 'attr');
        assert.ok(assignment);
        recorder.record({ recommendationId, userId: user, experimentId: 'attr', variantId: assignment.variantId, algorithm: assignment.algorithm, itemIds });
        return assignment.variantId;
      };
      const feedback = (user_id: string, event_id: string, action: string, context: object = {}) =>
        t.http.post('/v1/feedback').send({ user_id, event_id, action, context }).expect(200);
      const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

      const variantOf1 = await shown('attr_1', 'rec_attr_1', ['i1', 'i2']);
      const variantOf2 = await shown('attr_2', 'rec_attr_2', ['i5']);
      await shown('qa_user', 'rec_attr_qa', ['i1']);
      await recorder.flush();

      await feedback('attr_1', 'i1', 'click', { recommendation_id: 'rec_attr_1' }); // by id
      await feedback('attr_1', 'i2', 'save'); // by window: shown just before
      await feedback('attr_1', 'i9', 'hide'); // never shown: not attributed
      await feedback('attr_1', 'i1', 'click', { recommendation_id: 'rec_elsewhere' }); // another response's id
      await feedback('attr_1', 'i1', 'skip', { recommendation_id: 'rec_attr_1' }); // not a reported action
      await feedback('attr_2', 'i5', 'save', { timestamp: at(2 * HOUR_MS) }); // 2 h after being shown
      await feedback('attr_2', 'i5', 'hide', { timestamp: at(-HOUR_MS) }); // before being shown
      await feedback('attr_2', 'i1', 'click', { recommendation_id: 'rec_attr_1' }); // someone else's recommendation
      await feedback('qa_user', 'i1', 'click', { recommendation_id: 'rec_attr_qa' }); // QA traffic

      const variantTotals = (body: { variants: Record<string, number | string>[] }) =>
        Object.fromEntries(body.variants.map((v) => [v.variant_id, [v.participants, v.impressions, v.clicks, v.saves, v.hides]]));
      const expected = (saves2: number) => {
        const totals: Record<string, number[]> = { control: [0, 0, 0, 0, 0], treatment: [0, 0, 0, 0, 0] };
        const add = (variant: string, values: number[]) => values.forEach((v, i) => (totals[variant][i] += v));
        add(variantOf1, [1, 1, 1, 1, 0]);
        add(variantOf2, [1, 1, 0, saves2, 0]);
        return totals;
      };
      const day = await results('attr');
      assert.deepEqual(variantTotals(day), expected(1));
      assert.equal(day.participants, 2, 'the forced QA user is not a participant');
      const hour = await results('attr', '?attribution_hours=1');
      assert.equal(hour.attribution_hours, 1);
      assert.deepEqual(variantTotals(hour), expected(0));
    });
  });
}

/**
 * End to end through POST /v1/recommendations/batch and POST /v1/feedback/batch: simulated users
 * click the first recommendation with a known probability per variant. The RNG seed is fixed, so
 * the outcome is deterministic; with it the 10% → 14% lift is detected (power ≈ 92% at this
 * size) and the A/A split shows no difference (p ≈ 0.6 for this seed: no lucky false positive).
 */
for (const dialect of DIALECTS) {
  describe(`experiment simulation on ${dialect}`, { skip: dialectSkip(dialect) }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect);
      const items = Array.from({ length: 20 }, (_, i) => ({ id: `sim_item_${i}`, name: `Gig ${i}`, city: 'Dublin', starts_at: '2099-01-01T20:00:00Z' }));
      await t.http.post('/v1/items/batch').send({ items }).expect(200);
      // Some history outside the experiment, so popularity has something to rank.
      const events = items.map((item, i) => ({ user_id: `fan_${i % 5}`, event_id: item.id, action: 'save' }));
      await t.http.post('/v1/feedback/batch').send({ events }).expect(200);
      // The simulated experiment must be the only active one, so requests that name none run under it.
      await t.http.patch('/v1/experiments/rec_algorithm_v1').send({ status: 'paused' }).expect(200);
    });
    after(async () => t?.close());

    const USERS = 3000;

    /** Each user asks once; four batch requests at a time, as concurrent clients would. */
    async function recommendAll(users: string[]): Promise<RecommendationResponseDto[]> {
      const batches = Array.from({ length: Math.ceil(users.length / 50) }, (_, i) => users.slice(i * 50, i * 50 + 50));
      const responses: RecommendationResponseDto[] = [];
      for (let start = 0; start < batches.length; start += 4) {
        const bodies = await Promise.all(
          batches.slice(start, start + 4).map(async (user_ids) => (await t.http.post('/v1/recommendations/batch').send({ user_ids, limit: 5 }).expect(200)).body),
        );
        for (const body of bodies) responses.push(...body.results);
      }
      return responses;
    }

    async function simulate(experimentId: string, clickRate: Record<string, number>, rng: Mt19937) {
      const users = Array.from({ length: USERS }, (_, i) => `${experimentId}_user_${i}`);
      const clicks: object[] = [];
      // Draws happen in user order after all responses are in, so the outcome does not depend on timing.
      for (const response of await recommendAll(users)) {
        assert.equal(response.ab_experiment, experimentId);
        assert.ok(response.recommendations.length > 0);
        if (rng.nextDouble() < clickRate[response.variant ?? '']) {
          const event_id = response.recommendations[0].event_id;
          clicks.push({ user_id: response.user_id, event_id, action: 'click', context: { recommendation_id: response.recommendation_id, position: 0 } });
        }
      }
      for (let start = 0; start < clicks.length; start += 1000) {
        await t.http.post('/v1/feedback/batch').send({ events: clicks.slice(start, start + 1000) }).expect(200);
      }
      await t.app.get(ImpressionRecorder).flush();
      return (await t.http.get(`/v1/experiments/${experimentId}/results`).expect(200)).body;
    }

    it('should detect a true 40% lift in click-through rate', async () => {
      await t.http.post('/v1/experiments').send(newExperiment('sim_ab', { status: 'active' })).expect(201);
      const body = await simulate('sim_ab', { control: 0.1, treatment: 0.14 }, new Mt19937(20261123));
      assert.equal(body.participants, USERS);
      assert.equal(body.impressions, USERS);
      assert.equal(body.sample_ratio_mismatch.detected, false);
      const [control, treatment] = body.variants;
      assert.ok(Math.abs(control.metrics.click_through_rate - 0.1) < 0.025, `control CTR ${control.metrics.click_through_rate}`);
      const ctr = treatment.statistical_significance.vs_control;
      assert.equal(ctr.metric, 'click_through_rate');
      assert.equal(ctr.is_significant, true, `p=${ctr.p_value}`);
      assert.ok(ctr.lift_ci[0] > 0 && ctr.lift_ci[0] < 0.4 && ctr.lift_ci[1] > 0.4, `lift CI ${ctr.lift_ci}`);
      assert.match(body.summary, /^treatment lifts click-through rate by \d+% \(95% CI \d+%–\d+%\), significant \(n=3,000\)\.$/);
      await t.http.patch('/v1/experiments/sim_ab').send({ status: 'completed' }).expect(200);
    });

    it('should find no difference in an A/A split', async () => {
      await t.http.post('/v1/experiments').send(newExperiment('sim_aa', { status: 'active', variants: halves('control', 'twin') })).expect(201);
      const body = await simulate('sim_aa', { control: 0.1, twin: 0.1 }, new Mt19937(20261124));
      assert.equal(body.participants, USERS);
      assert.equal(body.sample_ratio_mismatch.detected, false);
      const vs = body.variants[1].statistical_significance.vs_control;
      assert.equal(vs.is_significant, false, `p=${vs.p_value}`);
      assert.ok(vs.lift_ci[0] < 0 && vs.lift_ci[1] > 0);
      assert.equal(body.summary, 'No variant differs significantly from control yet (n=3,000).');
    });
  });
}
