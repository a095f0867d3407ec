import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResultCache } from './result-cache';

describe(ResultCache.name, () => {
  it('should return a stored value until the user is invalidated', () => {
    const cache = new ResultCache<string>(60_000, 10);
    cache.set('u1', 'u1|10', 'list');
    cache.set('u2', 'u2|10', 'other');
    assert.equal(cache.get('u1', 'u1|10'), 'list');
    cache.invalidateUser('u1');
    assert.equal(cache.get('u1', 'u1|10'), undefined);
    assert.equal(cache.get('u2', 'u2|10'), 'other');
    assert.deepEqual([cache.hits, cache.misses], [2, 1]);
  });

  it('should evict the oldest entry beyond its size and store nothing with a zero TTL', () => {
    const cache = new ResultCache<number>(60_000, 2);
    cache.set('a', 'a', 1);
    cache.set('b', 'b', 2);
    cache.set('c', 'c', 3);
    assert.equal(cache.get('a', 'a'), undefined);
    assert.equal(cache.get('c', 'c'), 3);
    const off = new ResultCache<number>(0, 2);
    off.set('a', 'a', 1);
    assert.equal(off.get('a', 'a'), undefined);
  });

  it('should expire entries after the TTL', async () => {
    const cache = new ResultCache<number>(20, 10);
    cache.set('a', 'a', 1);
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(cache.get('a', 'a'), undefined);
  });
});
