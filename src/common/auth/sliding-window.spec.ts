import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { judge, MemoryWindowCounter } from './sliding-window';

const MINUTE = 60_000;

/** A counter on a clock the test moves; starts at the first instant of a window. */
function counterAt(start: number) {
  const clock = { now: start };
  return { clock, sut: new MemoryWindowCounter(MINUTE, () => clock.now) };
}

async function takeTimes(sut: MemoryWindowCounter, key: string, limit: number, times: number) {
  const verdicts = [];
  for (let n = 0; n < times; n++) verdicts.push(await sut.take(key, limit));
  return verdicts;
}

describe(MemoryWindowCounter.name, { timeout: 30_000 }, () => {
  it('should let the limit in within a window and refuse the next, saying when the previous window has faded enough', async () => {
    const { sut } = counterAt(2 * MINUTE);
    const verdicts = await takeTimes(sut, 'fan_1', 10, 11);
    assert.deepEqual(
      verdicts.slice(0, 10).map((v) => v.allowed),
      Array(10).fill(true),
    );
    assert.equal(verdicts[9].count, 10);
    // 10 in this window: in the next one they weigh 10 × (1 − e/60 s), which is 9 (room for one) at e = 6 s.
    assert.deepEqual(verdicts[10], { allowed: false, count: 10, retryAfterMs: MINUTE + 6_000 });
  });

  it('should weigh the previous window by the share the sliding window still covers, at the edges', async () => {
    const { clock, sut } = counterAt(2 * MINUTE);
    await takeTimes(sut, 'fan_1', 10, 10);
    clock.now = 3 * MINUTE - 1;
    assert.equal((await sut.check('fan_1', 10)).allowed, false);
    clock.now = 3 * MINUTE;
    assert.deepEqual(await sut.check('fan_1', 10), { allowed: false, count: 10, retryAfterMs: 6_000 });
    clock.now = 3 * MINUTE + 5_999;
    assert.equal((await sut.check('fan_1', 10)).allowed, false);
    clock.now = 3 * MINUTE + 6_000;
    assert.deepEqual(await sut.take('fan_1', 10), { allowed: true, count: 10, retryAfterMs: 0 });
    // 10 × 0.9 + 1 = 10 now; one more fits once the previous weighs 8, i.e. at e = 12 s.
    assert.deepEqual(await sut.take('fan_1', 10), { allowed: false, count: 10, retryAfterMs: 6_000 });
    clock.now = 3 * MINUTE + 12_000;
    assert.equal((await sut.take('fan_1', 10)).allowed, true);
    // Halfway through the window after: the 2 counted in window 3 weigh 1.
    clock.now = 4 * MINUTE + 30_000;
    assert.deepEqual(await sut.check('fan_1', 10), { allowed: true, count: 2, retryAfterMs: 0 });
    // Two windows on, nothing is left.
    clock.now = 6 * MINUTE;
    assert.deepEqual(await sut.check('fan_1', 10), { allowed: true, count: 1, retryAfterMs: 0 });
  });

  it('should count each key apart, count nothing on check or refusal, and make a budget of 1 wait for the window after next', async () => {
    const { clock, sut } = counterAt(7 * MINUTE + 15_000);
    assert.equal((await sut.take('a', 1)).allowed, true);
    assert.equal((await sut.check('b', 1)).allowed, true);
    assert.equal((await sut.check('b', 1)).allowed, true);
    assert.equal((await sut.take('b', 1)).allowed, true);
    const refused = await sut.take('a', 1);
    assert.deepEqual(refused, { allowed: false, count: 1, retryAfterMs: 45_000 + MINUTE });
    clock.now += refused.retryAfterMs - 1;
    assert.equal((await sut.take('a', 1)).allowed, false);
    clock.now += 1;
    assert.equal((await sut.take('a', 1)).allowed, true);
  });

  it('should hold one number per key and window however many events a caller sends, so each costs O(1)', async () => {
    const { clock, sut } = counterAt(2 * MINUTE);
    // One backend caller at 1,000 requests/s for two minutes and a half, across three windows.
    for (let n = 0; n < 150_000; n++) {
      clock.now = 2 * MINUTE + n;
      await sut.take('service:backend', 1_000_000);
    }
    const state = Object.values(sut).filter((value): value is Map<string, number> => value instanceof Map);
    assert.equal(state.length, 2);
    // The current and the previous window's count for the one key: nothing kept per event.
    assert.deepEqual(
      state.map((window) => [...window.keys()]),
      [['service:backend'], ['service:backend']],
    );
    assert.deepEqual(
      state.map((window) => window.get('service:backend') ?? 0).sort((a, b) => a - b),
      [30_000, 60_000],
    );
  });
});

describe(judge.name, { timeout: 30_000 }, () => {
  it('should agree with the weighted count at hand-checked points', () => {
    // 30 s into a window: previous 40 × 0.5 + current 5 = 25, + 1 = 26.
    assert.deepEqual(judge(40, 5, 30_000, MINUTE, 26), { allowed: true, count: 26, retryAfterMs: 0 });
    // Budget 25: room for 24 before one more; 40 × (1 − e/60 s) ≤ 19 at e = 31.5 s.
    assert.deepEqual(judge(40, 5, 30_000, MINUTE, 25), { allowed: false, count: 25, retryAfterMs: 1_500 });
  });
});
