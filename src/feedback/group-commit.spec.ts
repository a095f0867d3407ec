import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from './group-commit';

/**
 * A write that records each group it is given and fails on the items `fails` names. It answers
 * an event-loop turn later, as a database would, with no clock involved.
 */
function recordingWrite(fails: (items: string[]) => Error | undefined = () => undefined) {
  const groups: string[][] = [];
  const write = async (items: string[]) => {
    groups.push(items);
    await new Promise(setImmediate);
    const error = fails(items);
    if (error) throw error;
  };
  return { groups, write };
}

const settled = (promises: Promise<void>[]) =>
  Promise.allSettled(promises).then((results) => results.map((r) => r.status));

describe('GroupCommit', { timeout: 30_000 }, () => {
  it('should write items added together as one group, and those added during the write as the next', async () => {
    const { groups, write } = recordingWrite();
    const commit = new GroupCommit(write);
    const first = ['a', 'b', 'c'].map((item) => commit.add(item));
    await new Promise((resolve) => setImmediate(resolve));
    const second = ['d', 'e'].map((item) => commit.add(item));
    await Promise.all([...first, ...second]);
    assert.deepEqual(groups, [
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
  });

  it('should settle no caller before its group has been written', async () => {
    let release: (() => void) | undefined;
    const commit = new GroupCommit(() => new Promise<void>((resolve) => (release = resolve)));
    let acknowledged = false;
    const pending = commit.add('a').then(() => (acknowledged = true));
    for (let turn = 0; turn < 5; turn++) await new Promise(setImmediate);
    assert.ok(release, 'the write never started');
    assert.equal(acknowledged, false);
    release();
    await pending;
    assert.equal(acknowledged, true);
  });

  it('should retry the members of a failed group one by one, so only the bad one fails', async () => {
    const { groups, write } = recordingWrite((items) =>
      items.includes('bad') ? new Error('constraint failed') : undefined,
    );
    const commit = new GroupCommit(write);
    const outcomes = await settled(['a', 'bad', 'c'].map((item) => commit.add(item)));
    assert.deepEqual(outcomes, ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(groups, [['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });

  it('should fail every member at once, without retries, when the database is unreachable', async () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    const { groups, write } = recordingWrite(() => outage);
    const commit = new GroupCommit(write);
    const results = await Promise.allSettled(['a', 'b'].map((item) => commit.add(item)));
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? r.reason : r.status)),
      [outage, outage],
    );
    assert.deepEqual(groups, [['a', 'b']]);
  });

  it('should keep writing after a failure', async () => {
    let failing = true;
    const commit = new GroupCommit(async () => {
      if (failing) throw new Error('disk I/O error');
    });
    await assert.rejects(commit.add('a'), /disk I\/O error/);
    failing = false;
    await commit.add('b');
  });
});
