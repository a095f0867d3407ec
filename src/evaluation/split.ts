import { Mt19937 } from '../algorithms/mt19937';
import { EventLog } from '../algorithms/types';

export interface EventSplit {
  train: EventLog;
  /** Positive held-out events only: they define relevance. */
  test: EventLog;
}

/**
 * The service's own protocol: each user's latest `fraction` of events (rounded, at least one, never
 * all of them) is held out, for users with at least two positive events; everyone else stays whole
 * in train. Events are in time order, so "latest" is "last in the log". Held-out negative events
 * are dropped: they are neither training signal (they are in the future) nor relevant.
 */
export function timeHoldout(
  events: EventLog,
  fraction: number,
  evaluated: (user: number) => boolean = () => true,
): EventSplit {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`holdout fraction must be in (0, 1), got ${fraction}`);
  const newestFirst = Int32Array.from(events.user.keys()).reverse();
  return holdOutInOrder(events, holdoutQuota(events, fraction, evaluated), newestFirst);
}

/** Which of a user's events a holdout takes: the latest (`time`) or a seeded random choice (`random`). */
export type HoldoutSplit = 'time' | 'random';
export const HOLDOUT_SPLITS: readonly HoldoutSplit[] = ['time', 'random'];

/**
 * As `timeHoldout`, the same number of events per user, but chosen at random (MT19937, `seed`)
 * rather than the latest: the protocol of benchmarks that split without regard to time.
 */
export function randomHoldout(
  events: EventLog,
  fraction: number,
  evaluated: (user: number) => boolean = () => true,
  seed = 42,
): EventSplit {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`holdout fraction must be in (0, 1), got ${fraction}`);
  const quota = holdoutQuota(events, fraction, evaluated);
  const random = new Mt19937(seed);
  const draw = Float64Array.from(events.user, () => random.nextDouble());
  const order = Int32Array.from(events.user.keys()).sort((a, b) => draw[a] - draw[b] || a - b);
  return holdOutInOrder(events, quota, order);
}

/** Visits events in `order`, holding out each user's first `quota[user]` of them. */
function holdOutInOrder(events: EventLog, quota: Int32Array, order: Int32Array): EventSplit {
  const heldOut = new Uint8Array(events.user.length);
  for (const e of order) {
    const user = events.user[e];
    if (quota[user] > 0) {
      heldOut[e] = 1;
      quota[user]--;
    }
  }
  return {
    train: selectEvents(events, (e) => heldOut[e] === 0),
    test: selectEvents(events, (e) => heldOut[e] === 1 && events.weight[e] > 0),
  };
}

/** How many of each user's events to hold out. */
function holdoutQuota(events: EventLog, fraction: number, evaluated: (user: number) => boolean): Int32Array {
  let numUsers = 0;
  for (const user of events.user) numUsers = Math.max(numUsers, user + 1);
  const count = new Int32Array(numUsers);
  const positive = new Int32Array(numUsers);
  events.user.forEach((user, e) => {
    count[user]++;
    if (events.weight[e] > 0) positive[user]++;
  });
  return count.map((n, user) =>
    positive[user] >= 2 && evaluated(user) ? Math.min(n - 1, Math.max(1, Math.round(fraction * n))) : 0,
  );
}

function selectEvents(events: EventLog, keep: (event: number) => boolean): EventLog {
  const chosen: number[] = [];
  for (let e = 0; e < events.user.length; e++) if (keep(e)) chosen.push(e);
  return {
    user: Int32Array.from(chosen, (e) => events.user[e]),
    item: Int32Array.from(chosen, (e) => events.item[e]),
    weight: Float32Array.from(chosen, (e) => events.weight[e]),
    time: Float64Array.from(chosen, (e) => events.time[e]),
  };
}

export interface RowSplit {
  /** Row numbers in file order. */
  train: Int32Array;
  test: Int32Array;
}

/**
 * Microsoft Recommenders' `python_stratified_split(ratio, filter_by="item", seed)`, reproduced
 * exactly: one NumPy-legacy `rand()` per row in file order, a stable sort by (item, draw), and
 * the first round_half_even(ratio · count) rows of each item go to train.
 */
export function stratifiedSplitByItem(rowItems: ArrayLike<number>, ratio: number, seed: number): RowSplit {
  const random = new Mt19937(seed);
  const n = rowItems.length;
  const draw = Float64Array.from({ length: n }, () => random.nextDouble());
  const order = Int32Array.from({ length: n }, (_, row) => row).sort(
    (a, b) => rowItems[a] - rowItems[b] || draw[a] - draw[b] || a - b,
  );
  const count = new Map<number, number>();
  for (let row = 0; row < n; row++) count.set(rowItems[row], (count.get(rowItems[row]) ?? 0) + 1);

  const inTrain = new Uint8Array(n);
  let rank = 0;
  for (let at = 0; at < n; at++) {
    const item = rowItems[order[at]];
    rank = at > 0 && rowItems[order[at - 1]] === item ? rank + 1 : 1;
    if (rank <= roundHalfEven(ratio * (count.get(item) ?? 0))) inTrain[order[at]] = 1;
  }
  const rows = Int32Array.from({ length: n }, (_, row) => row);
  return { train: rows.filter((row) => inTrain[row] === 1), test: rows.filter((row) => inTrain[row] === 0) };
}

/** NumPy's and pandas' `round`: halves go to the even neighbour (2.5 → 2, 4.5 → 4). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}
