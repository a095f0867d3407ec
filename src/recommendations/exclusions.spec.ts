import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Knex } from 'knex';
import { ChangeEvents } from '../common/change-events';
import { createKnex } from '../database/database';
import { FeedbackAction } from '../domain/feedback-actions';
import { ActiveModels } from '../model-registry/active-models';
import { LoadedModel } from '../model-registry/loaded-model';
import { InteractionsRepository } from '../repositories/interactions.repository';
import { KnownItemIds } from '../repositories/known-item-ids';
import { ExclusionLog } from './exclusion-log';
import { excludedFor, Exclusions, RECENT_EVENTS, UserEvents } from './exclusions';

/** A snapshot of items a, b, c, d and users u0, u1 in which u0 excluded b and u1 nothing. */
function snapshot(lastInteractionId: number, algorithm = 'popularity'): LoadedModel {
  const itemIds = ['a', 'b', 'c', 'd'];
  return {
    algorithm,
    lastInteractionId,
    itemIds,
    itemIndex: new Map(itemIds.map((id, k) => [id, k])),
    userIndex: new Map([
      ['u0', 0],
      ['u1', 1],
    ]),
    excluded: { indptr: Int32Array.from([0, 1, 1]), indices: Int32Array.from([1]) },
  } as unknown as LoadedModel;
}

const since = (...items: string[]): UserEvents => ({ recent: [], excludedSince: new Set(items), newestId: 0 });

describe('excludedFor', { timeout: 30_000 }, () => {
  it("should join the snapshot's exclusions and those since, in the model's index space", () => {
    assert.deepEqual([...excludedFor(snapshot(10), 0, since('c', 'not_in_the_model'))].sort(), [1, 2]);
    assert.deepEqual([...excludedFor(snapshot(10), 1, since('d'))], [3]);
    assert.deepEqual([...excludedFor(snapshot(10), -1, since('a'))], [0], 'a user the snapshot does not know');
    assert.deepEqual([...excludedFor(snapshot(10), 0, since())], [1]);
  });
});

describe(Exclusions.name, { timeout: 30_000 }, () => {
  let db: Knex;
  let interactions: InteractionsRepository;
  before(async () => {
    db = createKnex({ client: 'sqlite', filename: ':memory:' });
    await db.migrate.latest();
    interactions = new InteractionsRepository(db, new KnownItemIds());
  });
  after(async () => db.destroy());
  beforeEach(async () => db('interactions').delete());

  const store = (userId: string, itemId: string, action: FeedbackAction, times = 1) =>
    interactions.append(
      Array.from({ length: times }, () => ({
        feedbackId: null,
        userId,
        itemId,
        action,
        value: null,
        recommendationId: null,
        position: null,
        occurredAt: Date.now(),
      })),
    );

  it('should find a hide behind more than RECENT_EVENTS newer events, and only those after the snapshot', async () => {
    await store('u0', 'old', 'save');
    const snapshotId = await interactions.getMaxId();
    await store('u0', 'hidden', 'hide');
    await store('u0', 'clicked', 'click', RECENT_EVENTS + 50);
    await store('u1', 'other', 'hide');
    const sut = new Exclusions(interactions, new ExclusionLog(interactions, new ActiveModels(), new ChangeEvents()));

    const events = await sut.read('u0', snapshotId);
    assert.equal(events.recent.length, RECENT_EVENTS);
    assert.deepEqual([...events.excludedSince], ['hidden']);
    assert.equal(events.newestId, (await interactions.getMaxId()) - 1);
    assert.deepEqual(
      [...(await sut.read('u0', 0)).excludedSince].sort(),
      ['hidden', 'old'],
      'before any model: the whole history',
    );
    assert.deepEqual(await sut.read('nobody', 0), { recent: [], excludedSince: new Set(), newestId: 0 });
  });

  it("should answer from this replica's acknowledged feedback and the tail of the log when the database is out", async () => {
    const models = new ActiveModels();
    const events = new ChangeEvents();
    const log = new ExclusionLog(interactions, models, events);
    const sut = new Exclusions(interactions, log);
    await store('u0', 'before_the_snapshot', 'hide');
    await events.feedbackStored([{ userId: 'u0', itemId: 'before_any_model', action: 'hide' }]);
    await log.tail();
    assert.deepEqual(sut.fromMemory('u0', 0).excludedSince, new Set(), 'before any model nothing serves from memory');
    models.set(snapshot(await interactions.getMaxId()));
    await store('u0', 'elsewhere', 'dislike');
    await store('u0', 'clicked', 'click');
    await events.feedbackStored([
      { userId: 'u0', itemId: 'here', action: 'hide' },
      { userId: 'u0', itemId: 'clicked_here', action: 'click' },
    ]);
    assert.deepEqual(sut.fromMemory('u0', 0).excludedSince, new Set(['here']));

    await log.tail();
    assert.deepEqual(
      sut.fromMemory('u0', 0).excludedSince,
      new Set(['here', 'elsewhere']),
      'the log from the oldest snapshot on',
    );
    const elsewhereId = (await interactions.getMaxId()) - 1;
    assert.deepEqual(
      sut.fromMemory('u0', elsewhereId).excludedSince,
      new Set(['here']),
      'not yet seen by the tail: newer than any snapshot',
    );

    models.set(snapshot(elsewhereId, 'item_knn'));
    assert.deepEqual(
      sut.fromMemory('u0', 0).excludedSince,
      new Set(['here', 'elsewhere']),
      'the popularity snapshot is older and still serves',
    );
    models.set(snapshot(elsewhereId, 'popularity'));
    assert.deepEqual(sut.fromMemory('u0', 0).excludedSince, new Set(['here']), 'every snapshot holds it now');
  });
});
