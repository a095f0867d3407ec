import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundException } from '@nestjs/common';
import { Knex } from 'knex';
import { createKnex } from '../database/database';
import { ExperimentsRepository, ExperimentVariant, ExperimentWrite } from '../repositories/experiments.repository';
import { assignVariant } from './assignment';
import { ExperimentAssigner } from './experiment-assigner';

const HALVES: ExperimentVariant[] = [
  { variant_id: 'control', name: 'Control', algorithm: 'popularity', params: {}, traffic_percentage: 50 },
  {
    variant_id: 'treatment',
    name: 'Treatment',
    algorithm: 'item_knn',
    params: { neighbours: 50 },
    traffic_percentage: 50,
  },
];

function experiment(id: string, changes: Partial<ExperimentWrite> = {}): ExperimentWrite {
  return {
    id,
    name: id,
    description: '',
    status: 'active',
    variants: HALVES,
    metricsTracked: ['click_through_rate'],
    primaryMetric: 'click_through_rate',
    guardrailMetrics: [],
    inference: 'sequential',
    targetLift: 0.05,
    forcedAssignments: {},
    startAt: null,
    endAt: null,
    ...changes,
  };
}

describe('ExperimentAssigner', { timeout: 30_000 }, () => {
  let db: Knex;
  let repository: ExperimentsRepository;
  before(async () => {
    db = createKnex({ client: 'sqlite', filename: ':memory:' });
    await db.migrate.latest();
    repository = new ExperimentsRepository(db);
  });
  after(async () => db.destroy());

  const reset = async (...experiments: ExperimentWrite[]) => {
    await db('experiments').delete();
    await db('experiment_assignments').delete();
    for (const e of experiments) await repository.create(e);
  };

  it('should assign by the hash, store the first exposure and carry the variant algorithm', async () => {
    await reset(experiment('exp'));
    const assigner = new ExperimentAssigner(repository);
    for (let i = 0; i < 50; i++) {
      const user = `user_${i}`;
      const expected = assignVariant('exp', user, HALVES);
      const assignment = await assigner.assign(user);
      assert.deepEqual(assignment, {
        experimentId: 'exp',
        variantId: expected?.variant_id,
        algorithm: expected?.algorithm,
      });
      assert.equal(await repository.getAssignedVariant('exp', user), expected?.variant_id);
    }
  });

  it('should keep users already exposed in their variant when the traffic split changes', async () => {
    await reset(experiment('exp'));
    const users = Array.from({ length: 200 }, (_, i) => `user_${i}`);
    const first = new ExperimentAssigner(repository);
    const before = await Promise.all(users.map(async (u) => (await first.assign(u))?.variantId));
    await repository.update('exp', async () => ({
      variants: [
        { ...HALVES[0], traffic_percentage: 1 },
        { ...HALVES[1], traffic_percentage: 99 },
      ],
    }));
    // A fresh instance has no in-memory assignments, as after a restart or on another replica.
    const restarted = new ExperimentAssigner(repository);
    const afterChange = await Promise.all(users.map(async (u) => (await restarted.assign(u))?.variantId));
    assert.deepEqual(afterChange, before);
    assert.ok(before.filter((v) => v === 'control').length > 50, 'the old split put many users in control');
    // New users follow the new split.
    const newcomers = await Promise.all(users.map(async (u) => (await restarted.assign(`new_${u}`))?.variantId));
    assert.ok(newcomers.filter((v) => v === 'control').length < 15);
  });

  it('should pin QA users from forced_assignments without making them participants', async () => {
    await reset(experiment('exp', { forcedAssignments: { qa_1: 'treatment', qa_2: 'control' } }));
    const assigner = new ExperimentAssigner(repository);
    assert.equal((await assigner.assign('qa_1'))?.variantId, 'treatment');
    assert.equal((await assigner.assign('qa_2'))?.variantId, 'control');
    assert.equal(await repository.countAssignments('exp'), 0);
    assert.equal(
      (await assigner.assign('constructor'))?.variantId,
      assignVariant('exp', 'constructor', HALVES)?.variant_id,
    );
  });

  it('should pick the named active experiment, else the only active one, else none', async () => {
    await reset(experiment('a'), experiment('b'), experiment('draft', { status: 'draft' }));
    const assigner = new ExperimentAssigner(repository);
    assert.equal(await assigner.assign('u1'), undefined, 'two active experiments and none named');
    assert.equal((await assigner.assign('u1', 'b'))?.experimentId, 'b');
    assert.equal(await assigner.assign('u1', 'draft'), undefined);

    await reset(experiment('a'), experiment('paused', { status: 'paused' }));
    await assigner.reload();
    assert.equal((await assigner.assign('u1'))?.experimentId, 'a');
    assert.equal(
      await assigner.assign('u1', 'paused'),
      undefined,
      'a named experiment that is not running never falls back to another',
    );
    await assert.rejects(
      assigner.assign('u1', 'unknown'),
      (error: Error) => error instanceof NotFoundException && /experiment unknown not found/.test(error.message),
    );
  });

  it('should find an experiment created elsewhere since its last reload', async () => {
    await reset(experiment('a'));
    const assigner = new ExperimentAssigner(repository);
    await assigner.reload();
    await repository.create(experiment('newer'));
    assert.equal((await assigner.assign('u1', 'newer'))?.experimentId, 'newer');
  });

  it('should serve from its cache until reloaded', async () => {
    await reset(experiment('exp'));
    const assigner = new ExperimentAssigner(repository);
    assert.equal((await assigner.assign('u1'))?.experimentId, 'exp');
    await repository.update('exp', async () => ({ status: 'paused' }));
    assert.equal((await assigner.assign('u1'))?.experimentId, 'exp', 'cached for up to 10 s');
    await assigner.reload();
    assert.equal(await assigner.assign('u1'), undefined);
  });

  it('should reuse the stored assignment without asking the database again', async () => {
    await reset(experiment('exp'));
    const assigner = new ExperimentAssigner(repository);
    const first = await assigner.assign('u1');
    let queries = 0;
    const count = () => queries++;
    db.on('query', count);
    try {
      assert.deepEqual(await assigner.assign('u1'), first);
      assert.equal(queries, 0);
    } finally {
      db.off('query', count);
    }
  });

  it('should serve outside the experiment when the database fails', async () => {
    await reset(experiment('exp'));
    const assigner = new ExperimentAssigner(repository);
    await assigner.reload();
    await db.schema.renameTable('experiment_assignments', 'experiment_assignments_away');
    try {
      assert.equal(await assigner.assign('someone_new'), undefined);
    } finally {
      await db.schema.renameTable('experiment_assignments_away', 'experiment_assignments');
    }
    assert.equal((await assigner.assign('someone_new'))?.experimentId, 'exp');
  });
});
