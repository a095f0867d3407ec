import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Mt19937 } from '../../src/algorithms/mt19937';
import { ExperimentAssigner } from '../../src/experiments/experiment-assigner';
import { ImpressionRecorder } from '../../src/experiments/impression-recorder';
import { RecommendationResponseDto } from '../../src/recommendations/recommendations.dto';
import { ExperimentsRepository } from '../../src/repositories/experiments.repository';
import { ImpressionsRepository } from '../../src/repositories/impressions.repository';
import { startReplica, startTestApp, TestApp } from '../support/app';
import { DIALECTS, dialectSkip } from '../support/databases';

const HOUR_MS = 3600_000;

function halves(a = 'control', b = 'treatment') {
  return [
    { variant_id: a, name: 'A', algorithm: 'popularity', traffic_percentage: 50 },
    { variant_id: b, name: 'B', algorithm: 'item_knn', traffic_percentage: 50 },
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
  describe(`experiments API on ${dialect}`, { skip: dialectSkip(dialect), timeout: 600_000 }, () => {
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
    const results = async (id: string, query = '') =>
      (await t.http.get(`/v1/experiments/${id}/results${query}`).expect(200)).body;

    it('should start a fresh install without demo data with no experiment, so requests get DEFAULT_ALGORITHM', async () => {
      const { body } = await t.http.get('/v1/experiments').expect(200);
      assert.deepEqual(body, { experiments: [], count: 0 });
      const list = (await t.http.post('/v1/recommendations').send({ user_id: 'newcomer' }).expect(200)).body;
      assert.equal(list.ab_experiment, null);
      assert.equal(list.variant, null);
      assert.match(
        (await t.http.get('/v1/experiments?status=running').expect(400)).body.detail,
        /status must be one of/,
      );
      assert.match(
        (await t.http.get('/v1/experiments/no_such_experiment').expect(404)).body.detail,
        /no_such_experiment not found/,
      );
    });

    it('should answer 404 for an unknown experiment_id, and serve a named experiment that is not running outside any experiment', async () => {
      await create(newExperiment('running', { status: 'active' }));
      await create(newExperiment('resting', { status: 'active' }));
      await patch('resting', { status: 'paused' }).expect(200);
      const recommend = (extra: object) => t.http.post('/v1/recommendations').send({ user_id: 'visitor', ...extra });
      for (const request of [
        recommend({ experiment_id: 'no_such_experiment' }),
        t.http.get('/v1/recommendations/visitor?experiment_id=no_such_experiment'),
      ]) {
        assert.deepEqual((await request.expect(404)).body, { detail: 'experiment no_such_experiment not found' });
      }
      assert.equal((await recommend({ experiment_id: 'running' }).expect(200)).body.ab_experiment, 'running');
      assert.equal(
        (await recommend({}).expect(200)).body.ab_experiment,
        'running',
        'unnamed: the only active experiment',
      );
      // Named but paused: the default algorithm, not the other running experiment.
      for (const status of ['paused', 'completed']) {
        if (status === 'completed') await patch('resting', { status }).expect(200);
        for (const request of [
          recommend({ experiment_id: 'resting' }),
          t.http.get('/v1/recommendations/visitor?experiment_id=resting'),
        ]) {
          const { body } = await request.expect(200);
          assert.deepEqual([body.ab_experiment, body.variant], [null, null], status);
        }
      }
      await patch('running', { status: 'completed' }).expect(200);
    });

    it('should create an experiment, answer 409 for a taken id, and read it back', async () => {
      const created = await create(
        newExperiment('crud', {
          description: 'why',
          metrics_tracked: ['save_rate'],
          forced_assignments: { qa_1: 'treatment' },
        }),
      );
      assert.equal(created.status, 'draft');
      assert.equal(created.start_date, null);
      assert.deepEqual(created.variants[1], {
        variant_id: 'treatment',
        name: 'B',
        algorithm: 'item_knn',
        params: {},
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
        [
          newExperiment('bad', { variants: [a, { ...b, traffic_percentage: 40 }] }),
          /variants: traffic_percentage must add up to 100, got 90/,
        ],
        [
          newExperiment('bad', { variants: [{ ...a, traffic_percentage: 100 }] }),
          /variants must contain at least 2 elements/,
        ],
        [
          newExperiment('bad', { variants: [a, { ...b, variant_id: 'control' }] }),
          /variant_id control appears more than once/,
        ],
        [
          newExperiment('bad', { variants: [a, { ...b, algorithm: 'magic' }] }),
          /variants\.1\.algorithm must be one of/,
        ],
        [
          newExperiment('bad', { variants: [{ ...a, traffic_percentage: -5 }, b] }),
          /variants\.0\.traffic_percentage must not be less than 0\.01/,
        ],
        [
          newExperiment('bad', { variants: [{ ...a, traffic_percentage: 33.333 }, b] }),
          /variants\.0\.traffic_percentage/,
        ],
        [
          newExperiment('bad', { variants: [{ ...a, variant_id: 'has space' }, b] }),
          /variants\.0\.variant_id must be 1-100 characters/,
        ],
        [
          newExperiment('bad', { variants: [a, { ...b, params: { nested: { x: 1 } } }] }),
          /variants\.1\.params must be an object/,
        ],
        [
          newExperiment('bad', { variants: [a, { ...b, params: { neighbours: 20 } }] }),
          /variants\.1\.params: .*active model/,
        ],
        [
          newExperiment('bad', { variants: [a, { ...b, is_control: 'no' }] }),
          /variants\.1\.is_control must be a boolean/,
        ],
        [newExperiment('bad', { variants: 'all of them' }), /variants must be an array/],
        [{ name: 'No id', variants: halves() }, /experiment_id/],
        [newExperiment('bad', { name: '' }), /name should not be empty/],
        [newExperiment('bad', { status: 'completed' }), /status must be one of/],
        [
          newExperiment('bad', { metrics_tracked: ['engagement_time'] }),
          /metrics_tracked must be one of click_through_rate, conversion_rate, save_rate, hide_rate/,
        ],
        [newExperiment('bad', { primary_metric: 'revenue' }), /primary_metric must be one of click_through_rate/],
        [
          newExperiment('bad', { metrics_tracked: ['save_rate'], primary_metric: 'click_through_rate' }),
          /primary_metric click_through_rate must be one of metrics_tracked \(save_rate\)/,
        ],
        [
          newExperiment('bad', { guardrail_metrics: ['hide_rate', 'click_through_rate'] }),
          /guardrail_metrics: click_through_rate is the primary metric/,
        ],
        [newExperiment('bad', { guardrail_metrics: ['bounce_rate'] }), /guardrail_metrics must be one of/],
        [newExperiment('bad', { inference: 'bayesian' }), /inference must be one of sequential, fixed_horizon/],
        [newExperiment('bad', { target_lift: 0 }), /target_lift must not be less than 0\.001/],
        [
          newExperiment('bad', { forced_assignments: { qa_1: 'nope' } }),
          /forced_assignments: user qa_1 is pinned to nope/,
        ],
        [newExperiment('bad', { forced_assignments: ['qa_1'] }), /forced_assignments must map/],
        [newExperiment('bad', { colour: 'blue' }), /property colour should not exist/],
      ];
      for (const [payload, detail] of cases) {
        const { body } = await t.http.post('/v1/experiments').send(payload).expect(400);
        assert.match(body.detail, detail, JSON.stringify(payload));
      }
      await t.http.get('/v1/experiments/bad').expect(404);
    });

    it('should take back what GET returns: POST it as a copy, PATCH it unchanged', async () => {
      await create(
        newExperiment('original', {
          description: 'why',
          metrics_tracked: ['save_rate'],
          forced_assignments: { qa_1: 'treatment' },
        }),
      );
      const read = (await patch('original', { status: 'active' }).expect(200)).body;
      const writable = ({
        experiment_id,
        start_date,
        end_date,
        created_at,
        updated_at,
        design,
        ...rest
      }: Record<string, unknown>) => rest;
      const copy = (
        await t.http
          .post('/v1/experiments')
          .send({ ...read, experiment_id: 'original_copy' })
          .expect(201)
      ).body;
      assert.equal(copy.experiment_id, 'original_copy');
      assert.deepEqual(writable(copy), writable(read));
      const same = (await patch('original', read).expect(200)).body;
      assert.deepEqual(writable(same), writable(read));
      assert.equal(same.start_date, read.start_date, 'timestamps are read-only');

      const [control, treatment] = read.variants;
      const refused: ['post' | 'patch', object, RegExp][] = [
        [
          'post',
          { ...read, experiment_id: 'copy_2', variants: [control, { ...treatment, is_control: true }] },
          /^variants\.1\.is_control is true, but the control is control/,
        ],
        [
          'post',
          { ...read, experiment_id: 'copy_2', variants: [{ ...control, is_control: false }, treatment] },
          /^variants\.0\.is_control is false, but the control is control/,
        ],
        [
          'post',
          { ...read, experiment_id: 'copy_2', control_variant: 'treatment' },
          /^control_variant is treatment, but the control is control/,
        ],
        [
          'post',
          { ...read, experiment_id: 'copy_2', created_at: 'yesterday' },
          /created_at must be an ISO 8601 date-time/,
        ],
        [
          'patch',
          { ...read, experiment_id: 'another_id' },
          /^experiment_id another_id does not match the experiment original/,
        ],
        [
          'patch',
          { ...read, control_variant: 'treatment' },
          /^control_variant is treatment, but the control is control/,
        ],
      ];
      for (const [method, payload, detail] of refused) {
        const request = method === 'post' ? t.http.post('/v1/experiments').send(payload) : patch('original', payload);
        const { body } = await request.expect(400);
        assert.match(body.detail, detail, JSON.stringify(payload));
      }
      await t.http.get('/v1/experiments/copy_2').expect(404);
      assert.equal((await t.http.get('/v1/experiments/original').expect(200)).body.updated_at, same.updated_at);
    });

    it('should keep serving variants stored with params before params were refused, and let them round-trip unchanged', async () => {
      const [a, b] = halves();
      await create(newExperiment('without_params', { variants: [{ ...a, params: {} }, b] }));
      await repository.create({
        id: 'legacy',
        name: 'Legacy',
        description: '',
        status: 'active',
        variants: [
          { variant_id: 'control', name: 'A', algorithm: 'popularity', params: {}, traffic_percentage: 50 },
          {
            variant_id: 'treatment',
            name: 'B',
            algorithm: 'item_knn',
            params: { neighbours: 20 },
            traffic_percentage: 50,
          },
        ],
        metricsTracked: ['click_through_rate'],
        primaryMetric: 'click_through_rate',
        guardrailMetrics: [],
        inference: 'sequential',
        targetLift: 0.05,
        forcedAssignments: {},
        startAt: Date.now(),
        endAt: null,
      });
      const legacy = (await t.http.get('/v1/experiments/legacy').expect(200)).body;
      assert.deepEqual(legacy.variants[1].params, { neighbours: 20 });
      assert.equal(
        (await t.http.post('/v1/recommendations').send({ user_id: 'legacy_user', experiment_id: 'legacy' }).expect(200))
          .body.ab_experiment,
        'legacy',
      );
      const renamed = (await patch('legacy', { ...legacy, name: 'Legacy, renamed' }).expect(200)).body;
      assert.deepEqual(renamed.variants, legacy.variants);
      const retuned = [legacy.variants[0], { ...legacy.variants[1], params: { neighbours: 30 } }];
      assert.match((await patch('legacy', { variants: retuned }).expect(400)).body.detail, /^variants\.1\.params: /);
      assert.match(
        (
          await t.http
            .post('/v1/experiments')
            .send({ ...legacy, experiment_id: 'legacy_copy' })
            .expect(400)
        ).body.detail,
        /^variants\.1\.params: /,
      );
      await patch('legacy', { status: 'completed' }).expect(200);
    });

    it('should move through draft → active ↔ paused → completed and refuse anything else with 409', async () => {
      await create(newExperiment('life'));
      const declared = (
        await patch('life', { primary_metric: 'conversion_rate', guardrail_metrics: ['hide_rate'] }).expect(200)
      ).body;
      assert.deepEqual([declared.primary_metric, declared.guardrail_metrics], ['conversion_rate', ['hide_rate']]);
      assert.match(
        (await patch('life', { status: 'paused' }).expect(409)).body.detail,
        /cannot go from draft to paused/,
      );
      const active = (await patch('life', { status: 'active' }).expect(200)).body;
      assert.ok(active.start_date);
      assert.match(
        (await patch('life', { primary_metric: 'click_through_rate' }).expect(409)).body.detail,
        /primary_metric: declared before the data comes in/,
      );
      assert.equal(
        (await patch('life', { target_lift: 0.1, primary_metric: 'conversion_rate' }).expect(200)).body.target_lift,
        0.1,
      );
      const paused = (await patch('life', { status: 'paused' }).expect(200)).body;
      assert.equal(paused.status, 'paused');
      const resumed = (await patch('life', { status: 'active', name: 'Renamed' }).expect(200)).body;
      assert.equal(resumed.start_date, active.start_date, 'resuming keeps the original start');
      assert.equal(resumed.name, 'Renamed');
      assert.match(
        (await patch('life', { status: 'draft' }).expect(409)).body.detail,
        /cannot go from active to draft/,
      );
      const completed = (await patch('life', { status: 'completed' }).expect(200)).body;
      assert.ok(completed.end_date);
      assert.match(
        (await patch('life', { status: 'active' }).expect(409)).body.detail,
        /completed and can no longer change/,
      );
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
      const changed = (
        await patch('traffic', {
          variants: [
            { ...a, traffic_percentage: 5 },
            { ...b, traffic_percentage: 95 },
          ],
        }).expect(200)
      ).body;
      assert.deepEqual(
        changed.variants.map((v: { traffic_percentage: number }) => v.traffic_percentage),
        [5, 95],
      );
      const after = await Promise.all(users.map(async (u) => (await assigner.assign(u, 'traffic'))?.variantId));
      assert.deepEqual(after, before);

      const { body } = await patch('traffic', { variants: [a, { ...b, variant_id: 'renamed' }] }).expect(409);
      assert.match(body.detail, /treatment cannot be removed because users are already assigned/);
      assert.match(
        (await patch('traffic', { forced_assignments: { qa: 'ghost' } }).expect(400)).body.detail,
        /forced_assignments/,
      );

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
      assert.deepEqual(body.variants[0].metrics, {
        click_through_rate: 0,
        conversion_rate: 0,
        save_rate: 0,
        hide_rate: 0,
      });
      assert.equal(body.primary_metric, 'click_through_rate');
      assert.equal(body.inference, 'sequential');
      assert.equal(body.variants[1].statistical_significance.vs_control.p_value, 1);
      assert.equal(body.variants[1].statistical_significance.vs_control.relative_lift, null);
      assert.deepEqual(body.guardrails, []);
      assert.equal(body.power[0].estimated_days_remaining, null);
      assert.equal(body.summary, 'No variant differs from control on click-through rate yet (n=0).');
      await t.http.get('/v1/experiments/missing/results').expect(404);
      assert.match(
        (await t.http.get('/v1/experiments/empty/results?attribution_hours=0').expect(400)).body.detail,
        /attribution_hours/,
      );
      assert.match(
        (await t.http.get('/v1/experiments/empty/results?attribution_hours=soon').expect(400)).body.detail,
        /attribution_hours/,
      );
    });

    it('should detect a sample ratio mismatch on a broken split, and not on a fair one', async () => {
      await create(newExperiment('srm', { status: 'active' }));
      await inParallel(1000, (i) =>
        repository.assignIfAbsent('srm', `srm_user_${i}`, i < 560 ? 'control' : 'treatment'),
      );
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

    it('should check the sample ratio against the split in force when each participant was assigned', async () => {
      await create(newExperiment('resplit', { status: 'active' }));
      await inParallel(100, (i) =>
        repository.assignIfAbsent('resplit', `resplit_a_${i}`, i % 2 ? 'treatment' : 'control'),
      );
      const [a, b] = halves();
      await patch('resplit', {
        variants: [
          { ...a, traffic_percentage: 5 },
          { ...b, traffic_percentage: 95 },
        ],
      }).expect(200);
      await inParallel(200, (i) =>
        repository.assignIfAbsent('resplit', `resplit_b_${i}`, i < 10 ? 'control' : 'treatment'),
      );
      // 50/50 of 100 then 5/95 of 200 expects 60/240, exactly what is there; today's 5/95 alone would expect 15/285.
      const body = await results('resplit');
      assert.deepEqual(
        body.variants.map((v: { participants: number }) => v.participants),
        [60, 240],
      );
      assert.equal(body.sample_ratio_mismatch.chi_square, 0);
      assert.equal(body.sample_ratio_mismatch.detected, false);
    });

    it('should attribute feedback by recommendation_id and by the attribution window', async () => {
      await create(newExperiment('attr', { status: 'active', forced_assignments: { qa_user: 'treatment' } }));
      const shown = async (user: string, recommendationId: string, itemIds: string[]) => {
        const assignment = await assigner.assign(user, 'attr');
        assert.ok(assignment);
        recorder.record({
          recommendationId,
          userId: user,
          experimentId: 'attr',
          variantId: assignment.variantId,
          itemIds,
        });
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
        Object.fromEntries(
          body.variants.map((v) => [v.variant_id, [v.participants, v.impressions, v.clicks, v.saves, v.hides]]),
        );
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

      // CUPED's covariate: attr_2's hide an hour before their first exposure is pre-experiment
      // activity (1 event); attr_1 has none. The per-variant sums come straight from SQL.
      const sums = await t.app
        .get(ImpressionsRepository)
        .variantSums('attr', { attributionWindowMs: 24 * HOUR_MS, covariateWindowMs: 14 * 24 * HOUR_MS });
      const covariates = Object.fromEntries(
        sums.map((s) => [s.variantId, [s.n, s.covariate, s.covariateSquared, s.listsTimesCovariate]]),
      );
      const expectedCovariates: Record<string, number[]> = { control: [0, 0, 0, 0], treatment: [0, 0, 0, 0] };
      expectedCovariates[variantOf1][0] += 1;
      expectedCovariates[variantOf2][0] += 1;
      expectedCovariates[variantOf2][1] += 1;
      expectedCovariates[variantOf2][2] += 1;
      expectedCovariates[variantOf2][3] += 1;
      for (const [variantId, values] of Object.entries(expectedCovariates)) {
        if (values[0] > 0) assert.deepEqual(covariates[variantId], values, variantId);
      }

      // The same, day by day: one cumulative point per UTC day since the start, the last one today's results.
      const daily = (await t.http.get('/v1/experiments/attr/results/daily').expect(200)).body;
      assert.equal(daily.primary_metric, 'click_through_rate');
      assert.equal(daily.days.at(-1).date, new Date().toISOString().slice(0, 10));
      assert.equal(daily.days.at(-1).participants, 2);
      assert.deepEqual(
        daily.days.at(-1).comparisons.map((c: { variant_id: string }) => c.variant_id),
        ['treatment'],
      );
      await t.http.get('/v1/experiments/missing/results/daily').expect(404);
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
  describe(`experiment simulation on ${dialect}`, { skip: dialectSkip(dialect), timeout: 600_000 }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect);
      const items = Array.from({ length: 20 }, (_, i) => ({
        id: `sim_item_${i}`,
        name: `Gig ${i}`,
        city: 'Dublin',
        starts_at: '2099-01-01T20:00:00Z',
      }));
      await t.http.post('/v1/items/batch').send({ items }).expect(200);
      // Some history outside the experiment, so popularity has something to rank.
      const events = items.map((item, i) => ({ user_id: `fan_${i % 5}`, event_id: item.id, action: 'save' }));
      await t.http.post('/v1/feedback/batch').send({ events }).expect(200);
    });
    after(async () => t?.close());

    const USERS = 3000;

    /** Each user asks once; four batch requests at a time, as concurrent clients would. */
    async function recommendAll(users: string[]): Promise<RecommendationResponseDto[]> {
      const batches = Array.from({ length: Math.ceil(users.length / 50) }, (_, i) => users.slice(i * 50, i * 50 + 50));
      const responses: RecommendationResponseDto[] = [];
      for (let start = 0; start < batches.length; start += 4) {
        const bodies = await Promise.all(
          batches
            .slice(start, start + 4)
            .map(
              async (user_ids) =>
                (await t.http.post('/v1/recommendations/batch').send({ user_ids, limit: 5 }).expect(200)).body,
            ),
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
          clicks.push({
            user_id: response.user_id,
            event_id,
            action: 'click',
            context: { recommendation_id: response.recommendation_id, position: 0 },
          });
        }
      }
      for (let start = 0; start < clicks.length; start += 1000) {
        await t.http
          .post('/v1/feedback/batch')
          .send({ events: clicks.slice(start, start + 1000) })
          .expect(200);
      }
      await t.app.get(ImpressionRecorder).flush();
      return (await t.http.get(`/v1/experiments/${experimentId}/results`).expect(200)).body;
    }

    it('should detect a true 60% lift in click-through rate with always-valid intervals', async () => {
      await t.http
        .post('/v1/experiments')
        .send(newExperiment('sim_ab', { status: 'active' }))
        .expect(201);
      const body = await simulate('sim_ab', { control: 0.1, treatment: 0.16 }, new Mt19937(20261123));
      assert.equal(body.participants, USERS);
      assert.equal(body.impressions, USERS);
      assert.equal(body.sample_ratio_mismatch.detected, false);
      const [control, treatment] = body.variants;
      assert.ok(
        Math.abs(control.metrics.click_through_rate - 0.1) < 0.025,
        `control CTR ${control.metrics.click_through_rate}`,
      );
      const ctr = treatment.statistical_significance.vs_control;
      assert.equal(ctr.metric, 'click_through_rate');
      assert.equal(ctr.is_significant, true, `p=${ctr.p_value}`);
      assert.equal(ctr.inference, 'sequential');
      assert.ok(ctr.lift_ci[0] > 0 && ctr.lift_ci[0] < 0.6 && ctr.lift_ci[1] > 0.6, `lift CI ${ctr.lift_ci}`);
      assert.match(
        body.summary,
        /^treatment lifts click-through rate by \d+% \(95% always-valid CI \d+%–\d+%\), significant \(n=3,000\)\.$/,
      );
      await t.http.patch('/v1/experiments/sim_ab').send({ status: 'completed' }).expect(200);
    });

    it('should find no difference in an A/A split', async () => {
      await t.http
        .post('/v1/experiments')
        .send(newExperiment('sim_aa', { status: 'active', variants: halves('control', 'twin') }))
        .expect(201);
      const body = await simulate('sim_aa', { control: 0.1, twin: 0.1 }, new Mt19937(20261124));
      assert.equal(body.participants, USERS);
      assert.equal(body.sample_ratio_mismatch.detected, false);
      const vs = body.variants[1].statistical_significance.vs_control;
      assert.equal(vs.is_significant, false, `p=${vs.p_value}`);
      assert.ok(vs.lift_ci[0] < 0 && vs.lift_ci[1] > 0);
      assert.equal(body.summary, 'No variant differs from control on click-through rate yet (n=3,000).');
    });
  });
}

/** SPEC: the seeded experiment "is active only with the demo data". */
for (const dialect of DIALECTS) {
  describe(`demo experiment on ${dialect}`, { skip: dialectSkip(dialect), timeout: 600_000 }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect, { SEED_DEMO_DATA: 'true', ENABLED_ALGORITHMS: 'popularity' });
    });
    after(async () => t?.close());

    it('should seed rec_algorithm_v1 with the demo data, active and in the contract shape, once', async () => {
      const { body } = await t.http.get('/v1/experiments').expect(200);
      assert.equal(body.count, 1);
      const [seeded] = body.experiments;
      assert.equal(seeded.experiment_id, 'rec_algorithm_v1');
      assert.equal(seeded.status, 'active');
      assert.equal(seeded.name, 'Recommendation Algorithm Test');
      assert.deepEqual(
        seeded.variants.map((v: Record<string, unknown>) => [
          v.variant_id,
          v.name,
          v.algorithm,
          v.traffic_percentage,
          v.is_control,
        ]),
        [
          ['control', 'Baseline', 'popularity', 40, true],
          ['collaborative_filtering', 'Collaborative Filtering', 'collaborative_filtering', 30, false],
          ['content_based', 'Content-Based', 'content_based', 30, false],
        ],
      );
      assert.equal(seeded.control_variant, 'control');
      assert.deepEqual(seeded.metrics_tracked, ['click_through_rate', 'conversion_rate', 'save_rate', 'hide_rate']);
      assert.equal(seeded.primary_metric, 'click_through_rate');
      assert.deepEqual(seeded.guardrail_metrics, ['hide_rate']);
      assert.ok(!Number.isNaN(Date.parse(seeded.created_at)) && !Number.isNaN(Date.parse(seeded.start_date)));
      assert.deepEqual((await t.http.get('/v1/experiments/rec_algorithm_v1').expect(200)).body, seeded);
      assert.equal(
        (await t.http.post('/v1/recommendations').send({ user_id: 'user_001' }).expect(200)).body.ab_experiment,
        'rec_algorithm_v1',
      );

      const replica = await startReplica(t.config);
      try {
        assert.equal(
          (await replica.http.get('/v1/experiments').expect(200)).body.count,
          1,
          'a second replica seeds nothing twice',
        );
      } finally {
        await replica.close();
      }
      // Let the first training run finish before the database goes.
      const deadline = Date.now() + 30_000;
      while ((await t.http.get('/v1/models?status=active')).body.total === 0) {
        assert.ok(Date.now() < deadline, 'the first model did not train in 30 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
  });
}
