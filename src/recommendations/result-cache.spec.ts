import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResultCache } from './result-cache';

/** The user's newest interaction id as the log holds it now. */
const newestId = (id: number) => () => Promise.resolve(id);

describe(ResultCache.name, { timeout: 30_000 }, () => {
  it('should return a stored value while the log is unchanged, until the user is invalidated', async () => {
    const cache = new ResultCache<string>(60_000, 10);
    cache.set('u1', 'u1|10', 'list', 7);
    cache.set('u2', 'u2|10', 'other', 3);
    assert.equal(await cache.get('u1', 'u1|10', newestId(7)), 'list');
    cache.invalidateUser('u1');
    assert.equal(await cache.get('u1', 'u1|10', newestId(7)), undefined);
    assert.equal(await cache.get('u2', 'u2|10', newestId(3)), 'other');
    assert.deepEqual([cache.hits, cache.misses], [2, 1]);
  });

  it('should not serve a list computed from a history read before a hide that landed meanwhile', async () => {
    const cache = new ResultCache<string>(60_000, 10);
    // The request reads the history (newest id 7) and ranks; the hide (id 8) is acknowledged,
    // by this replica or another, before the computed list is stored.
    const stampOfTheRead = 7;
    cache.invalidateUser('u1');
    cache.set('u1', 'u1|10', 'list with the hidden item', stampOfTheRead);
    assert.equal(await cache.get('u1', 'u1|10', newestId(8)), undefined);
    assert.equal(await cache.get('u1', 'u1|10', newestId(8)), undefined, 'the stale entry is gone');
  });

  it('should treat an entry it cannot check against the log as a miss', async () => {
    const cache = new ResultCache<string>(60_000, 10);
    cache.set('u1', 'u1|10', 'list', 7);
    assert.equal(await cache.get('u1', 'u1|10', () => Promise.reject(new Error('connect ECONNREFUSED'))), undefined);
  });

  it('should evict the oldest entry beyond its size and store nothing with a zero TTL', async () => {
    const cache = new ResultCache<number>(60_000, 2);
    cache.set('a', 'a', 1, 0);
    cache.set('b', 'b', 2, 0);
    cache.set('c', 'c', 3, 0);
    assert.equal(await cache.get('a', 'a', newestId(0)), undefined);
    assert.equal(await cache.get('c', 'c', newestId(0)), 3);
    const off = new ResultCache<number>(0, 2);
    off.set('a', 'a', 1, 0);
    assert.equal(await off.get('a', 'a', newestId(0)), undefined);
  });

  it('should expire entries after the TTL', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 0 });
    const cache = new ResultCache<number>(20, 10);
    cache.set('a', 'a', 1, 0);
    t.mock.timers.tick(19);
    assert.equal(await cache.get('a', 'a', newestId(0)), 1);
    t.mock.timers.tick(1);
    assert.equal(await cache.get('a', 'a', newestId(0)), undefined);
  });
});
