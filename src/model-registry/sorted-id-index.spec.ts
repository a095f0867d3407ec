import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SortedIdIndex, sortedIdTable } from './sorted-id-index';

describe(SortedIdIndex.name, { timeout: 30_000 }, () => {
  it('should give each id its position in the original list, and undefined for any other id', () => {
    const ids = ['user_10', 'user_2', 'alice', 'Bob', 'user_1', ''];
    const index = new SortedIdIndex(sortedIdTable(ids));
    assert.equal(index.size, 6);
    assert.deepEqual(
      ids.map((id) => index.get(id)),
      [0, 1, 2, 3, 4, 5],
    );
    for (const absent of ['user_3', 'user_100', 'user', 'bob', 'Alice', 'zzz', ' '])
      assert.equal(index.get(absent), undefined, absent);
  });

  it('should order by UTF-8 bytes, so ids beyond the Basic Multilingual Plane are found next to ones after it', () => {
    // JavaScript orders '\uFF5E' after '😀' (a surrogate pair, 0xD83D …); UTF-8 orders it before.
    const ids = ['😀', '\uFF5E', 'é', 'e', 'user_😀_1', 'user_\uFF5E_1'];
    const table = sortedIdTable(ids);
    assert.deepEqual(Array.from(table.positions), [3, 5, 4, 2, 1, 0]);
    const index = new SortedIdIndex(table);
    assert.deepEqual(
      ids.map((id) => index.get(id)),
      [0, 1, 2, 3, 4, 5],
    );
    assert.equal(index.get('😁'), undefined);
  });

  it('should hold 100,000 ids in their bytes plus 8 bytes each, and find every one of them', () => {
    const ids = Array.from({ length: 100_000 }, (_, k) => `u${(k * 7919) % 100_003}`);
    const table = sortedIdTable(ids);
    const bytes = ids.reduce((sum, id) => sum + id.length, 0);
    assert.equal(
      table.bytes.byteLength + table.offsets.byteLength + table.positions.byteLength,
      bytes + 8 * 100_000 + 4,
    );
    const index = new SortedIdIndex(table);
    for (let k = 0; k < ids.length; k++) assert.equal(index.get(ids[k]), k);
  });
});
