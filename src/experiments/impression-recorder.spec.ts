import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Knex } from 'knex';
import { createKnex } from '../database/database';
import { ImpressionsRepository, ImpressionWrite } from '../repositories/impressions.repository';
import { AppConfig } from '../config/config';
import { ImpressionRecord, ImpressionRecorder } from './impression-recorder';
import { ImpressionRetention } from './impression-retention';

/** The real repository, with a switch that makes writes fail as they would with the database down. */
class SwitchableImpressions extends ImpressionsRepository {
  down = false;
  /** Writes that never answer, as over a connection that silently died. */
  silent = false;
  batches: number[] = [];

  override async insert(impressions: ImpressionWrite[]): Promise<void> {
    if (this.down) throw new Error('database down');
    if (this.silent) return new Promise(() => undefined);
    this.batches.push(impressions.length);
    await super.insert(impressions);
  }
}

function impression(i: number): ImpressionRecord {
  return {
    recommendationId: `rec_${i}`,
    userId: `user_${i % 7}`,
    experimentId: 'exp',
    variantId: i % 2 ? 'treatment' : 'control',
    itemIds: [`item_${i}`, `item_${i + 1}`],
  };
}

describe('ImpressionRecorder', { timeout: 30_000 }, () => {
  let db: Knex;
  let repository: SwitchableImpressions;
  let recorder: ImpressionRecorder;
  before(async () => {
    db = createKnex({ client: 'sqlite', filename: ':memory:' });
    await db.migrate.latest();
  });
  after(async () => db.destroy());
  beforeEach(async () => {
    await db('impressions').delete();
    repository = new SwitchableImpressions(db);
    recorder = new ImpressionRecorder(repository);
  });

  const stored = async () => Number((await db('impressions').count({ n: '*' }))[0].n);

  /** Background writes are real database writes: polled, a bounded number of event-loop turns. */
  const waitUntil = async (condition: () => Promise<boolean>, failure: string) => {
    for (let turn = 0; turn < 1000; turn++) {
      if (await condition()) return;
      await new Promise(setImmediate);
    }
    assert.fail(failure);
  };
  /** Enough event-loop turns for a write that had been started to reach the database. */
  const settle = async () => {
    for (let turn = 0; turn < 20; turn++) await new Promise(setImmediate);
  };

  it('should not write on the request path, and write one compact row per list on flush', async () => {
    const before = Date.now();
    for (let i = 0; i < 3; i++) recorder.record(impression(i));
    assert.equal(await stored(), 0);
    await recorder.flush();
    const rows = await db('impressions').orderBy('id');
    assert.deepEqual(
      rows.map((r) => [r.recommendation_id, r.user_id, r.variant_id, r.item_ids]),
      [0, 1, 2].map((i) => [`rec_${i}`, `user_${i}`, i % 2 ? 'treatment' : 'control', ` item_${i} item_${i + 1} `]),
    );
    assert.ok(rows.every((r) => Number(r.created_at) >= before && Number(r.created_at) <= Date.now()));
    await recorder.onApplicationShutdown();
  });

  it('should prune impressions past retention in batches, oldest first, and keep the rest', async () => {
    const day = 86_400_000;
    const now = Date.UTC(2026, 11, 1);
    // 2,500 rows (more than one prune batch) of which the first 2,300 are 31 days old.
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      recommendationId: `r${i}`,
      userId: 'u',
      experimentId: 'exp',
      variantId: 'control',
      itemIds: ['a'],
      createdAt: now - (i < 2300 ? 31 : 29) * day,
    }));
    await repository.insert(rows);
    const retention = new ImpressionRetention({ impressionRetentionDays: 30 } as AppConfig, repository);
    assert.equal(await retention.prune(now), 2300);
    assert.equal(await stored(), 200);
    assert.equal(await retention.prune(now), 0);
    await retention.onApplicationShutdown();
    const forever = new ImpressionRetention({ impressionRetentionDays: 0 } as AppConfig, repository);
    assert.equal(await forever.prune(now + 365 * day), 0);
    assert.equal(await stored(), 200);
  });

  it('should write at once when a batch is full, in batches of at most 500, without anyone calling flush', async (t) => {
    // Mocked before the recorder exists: the interval never fires here, so the batch alone triggers the write.
    t.mock.timers.enable({ apis: ['setInterval'] });
    const sut = new ImpressionRecorder(repository);
    for (let i = 0; i < 1200; i++) sut.record(impression(i));
    await waitUntil(async () => (await stored()) === 1200, 'the full batches were not written');
    assert.deepEqual(repository.batches, [500, 500, 200]);
    await sut.onApplicationShutdown();
  });

  it('should write less than a batch on the next interval, without anyone calling flush', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const sut = new ImpressionRecorder(repository);
    for (let i = 0; i < 3; i++) sut.record(impression(i));
    t.mock.timers.tick(999);
    await settle();
    assert.equal(await stored(), 0, 'written before the interval');
    t.mock.timers.tick(1);
    await waitUntil(async () => (await stored()) === 3, 'not written on the interval');
    await sut.onApplicationShutdown();
  });

  it('should keep impressions through an outage and write them in order afterwards', async () => {
    repository.down = true;
    for (let i = 0; i < 10; i++) recorder.record(impression(i));
    await assert.rejects(recorder.flush(), /database down/);
    recorder.record(impression(10));
    repository.down = false;
    await recorder.flush();
    const ids = (await db('impressions').orderBy('id')).map((r) => r.recommendation_id);
    assert.deepEqual(
      ids,
      Array.from({ length: 11 }, (_, i) => `rec_${i}`),
    );
    assert.equal(recorder.dropped, 0);
    await recorder.onApplicationShutdown();
  });

  it('should drop the oldest beyond 50,000 pending and count them', async () => {
    repository.down = true;
    for (let i = 0; i < 50_010; i++) recorder.record(impression(i));
    assert.equal(recorder.dropped, 10);
    repository.down = false;
    await recorder.flush();
    assert.equal(await stored(), 50_000);
    const first = await db('impressions').orderBy('id').first();
    assert.equal(first.recommendation_id, 'rec_10');
    await recorder.onApplicationShutdown();
  });

  it('should flush on shutdown and count what it could not write', async () => {
    recorder.record(impression(1));
    await recorder.onApplicationShutdown();
    assert.equal(await stored(), 1);

    const failing = new ImpressionRecorder(repository);
    repository.down = true;
    failing.record(impression(2));
    failing.record(impression(3));
    await failing.onApplicationShutdown();
    assert.equal(failing.dropped, 2);
  });

  it('should give up on a database that stops answering after 5 s at shutdown', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    repository.silent = true;
    for (let i = 0; i < 600; i++) recorder.record(impression(i));
    let done = false;
    const shutdown = recorder.onApplicationShutdown().then(() => (done = true));
    t.mock.timers.tick(4999);
    await new Promise(setImmediate);
    assert.equal(done, false, 'shutdown gave up before 5 s');
    t.mock.timers.tick(1);
    await shutdown;
    assert.equal(recorder.dropped, 600, 'the batch in flight and the 100 behind it');
  });
});
