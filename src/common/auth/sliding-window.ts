/** What a sliding-window counter says about one more event for a key. */
export interface WindowVerdict {
  /** Whether one more event fits the budget (and, for `take`, was counted). */
  allowed: boolean;
  /** Events in the last window, the one just counted included: an estimate, see WindowCounter. */
  count: number;
  /** How long until one more event would fit; 0 when it fits now. */
  retryAfterMs: number;
}

/**
 * Counts events per key over a sliding window, approximated from two fixed windows: the current
 * window's count plus the previous one's, weighted by the share of it the sliding window still
 * covers. Two numbers per key whatever the rate, so each event costs O(1) (the throttler's own
 * storage keeps, and filters, one timestamp per event). Refused events are not counted, so a
 * caller who waits Retry-After gets in.
 */
export abstract class WindowCounter {
  /** Counts one event for `key` if it fits `limit`. */
  abstract take(key: string, limit: number): Promise<WindowVerdict>;

  /** Whether one more event would fit `limit`, counting nothing. */
  abstract check(key: string, limit: number): Promise<WindowVerdict>;
}

/** Every budget is per minute. */
export const WINDOW_MS = 60_000;

/** The fixed window `now` falls in, and how far into it. */
export function windowAt(now: number, windowMs: number): { index: number; elapsedMs: number } {
  const index = Math.floor(now / windowMs);
  return { index, elapsedMs: now - index * windowMs };
}

/**
 * The verdict on one more event, given the previous and current windows' counts. Integer
 * arithmetic (everything scaled by the window length), so Redis's Lua decides exactly alike.
 */
export function judge(
  previous: number,
  current: number,
  elapsedMs: number,
  windowMs: number,
  limit: number,
): WindowVerdict {
  const remainingMs = windowMs - elapsedMs;
  const scaled = previous * remainingMs + current * windowMs;
  if (scaled + windowMs <= limit * windowMs)
    return { allowed: true, count: (scaled + windowMs) / windowMs, retryAfterMs: 0 };
  // `room` events may be in the window before one more is let in.
  const room = limit - 1;
  const retryAfterMs =
    current <= room
      ? // Later in this window, once the previous window's weight has shrunk enough.
        Math.ceil(windowMs - ((room - current) * windowMs) / previous) - elapsedMs
      : // In the next window, once this one's count, weighted as the previous, has.
        remainingMs + Math.ceil(windowMs - (room * windowMs) / current);
  return { allowed: false, count: scaled / windowMs, retryAfterMs };
}

/** Counts in this process only: one replica's view, and the fallback while Redis is out. */
export class MemoryWindowCounter extends WindowCounter {
  private index = -Infinity;
  private current = new Map<string, number>();
  private previous = new Map<string, number>();

  constructor(
    private readonly windowMs = WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  async take(key: string, limit: number): Promise<WindowVerdict> {
    return this.count(key, limit, true);
  }

  async check(key: string, limit: number): Promise<WindowVerdict> {
    return this.count(key, limit, false);
  }

  private count(key: string, limit: number, take: boolean): WindowVerdict {
    const { index, elapsedMs } = windowAt(this.now(), this.windowMs);
    this.roll(index);
    const current = this.current.get(key) ?? 0;
    const verdict = judge(this.previous.get(key) ?? 0, current, elapsedMs, this.windowMs, limit);
    if (take && verdict.allowed) this.current.set(key, current + 1);
    return verdict;
  }

  /** Whole maps are dropped as windows pass, so a caller seen once costs memory for two windows at most. */
  private roll(index: number): void {
    if (index <= this.index) return;
    this.previous = index === this.index + 1 ? this.current : new Map<string, number>();
    this.current = new Map();
    this.index = index;
  }
}
