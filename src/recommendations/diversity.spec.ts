import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCap, groupKeyOf, pickWithinCap } from '../domain/diversity';

describe('groupKeyOf', { timeout: 10_000 }, () => {
  it('should group by headliner, case-folded, else by the name a series repeats', () => {
    assert.equal(groupKeyOf({ artists: [' Kojaque', 'Denise Chaila'], name: 'Open Mic Cypher' }), 'artist:kojaque');
    assert.equal(groupKeyOf({ artists: [], name: 'Comedy Club ' }), 'name:comedy club');
    assert.equal(groupKeyOf({ artists: [''], name: '' }), null);
  });
});

describe('pickWithinCap', { timeout: 10_000 }, () => {
  // Items 0..11 best first; groups: 0-5 are act A (0), 6-7 act B (1), 8-11 have no act (-1).
  const group = (item: number) => (item < 6 ? 0 : item < 8 ? 1 : -1);
  const all = Array.from({ length: 12 }, (_, i) => i);

  it('should keep at most two of one act in a top 10 and bring the held ones back at position 11', () => {
    const { picked, exhausted } = pickWithinCap(all, group, GroupCap.of(2), 12);
    // 0, 1 (A), 6, 7 (B), 8-11 (no act) fill 8 places; then nothing is admitted until position 11.
    assert.deepEqual(picked, [0, 1, 6, 7, 8, 9, 10, 11]);
    assert.equal(exhausted, true);
  });

  it('should continue one list across calls and open a new block every ten positions', () => {
    const cap = GroupCap.of(1);
    const first = pickWithinCap(all, group, cap, 3);
    assert.deepEqual(first, { picked: [0, 6, 8], exhausted: false });
    const rest = pickWithinCap([1, 2, 3, 7, 9, 10, 11, 12, 13, 14, 15, 16], (i) => (i > 11 ? -1 : group(i)), cap, 10);
    // Positions 3-9 admit no more of A or B; at position 10 one more of each may come: 1 before 7 (better).
    assert.deepEqual(rest.picked, [9, 10, 11, 12, 13, 14, 15, 1, 7, 16]);
    assert.equal(cap.length, 13);
  });

  it('should change nothing when off', () => {
    assert.deepEqual(pickWithinCap(all, group, GroupCap.of(0), 5).picked, [0, 1, 2, 3, 4]);
  });
});
