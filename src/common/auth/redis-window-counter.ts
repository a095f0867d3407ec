import { Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { Telemetry } from '../../telemetry/telemetry';
import { judge, MemoryWindowCounter, WINDOW_MS, WindowCounter, WindowVerdict, windowAt } from './sliding-window';

/**
 * One round-trip per event: reads both windows' counts and counts the event if it fits, atomically,
 * with the same integer test as judge(). KEYS: this window's count, the previous window's.
 * ARGV: limit, window length, time left in this window (ms), 1 to count or 0 to only check.
 * The count lives two windows, so it is still there as the previous one.
 */
const SLIDING_WINDOW_LUA = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local window = tonumber(ARGV[2])
if ARGV[4] == '1' and previous * tonumber(ARGV[3]) + (current + 1) * window <= tonumber(ARGV[1]) * window then
  redis.call('INCR', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], 2 * window)
end
return {previous, current}
`;

/** A Redis that does not answer within this is treated as out; requests must not wait on it. */
const COMMAND_TIMEOUT_MS = 250;

/**
 * Counts in Redis (REDIS_URL), so all replicas share each caller's budget. If Redis does not
 * answer, counting fails open onto this replica's memory — logged once per outage, counted in
 * ml_service_rate_limit_local_counts_total — until it answers again: losing Redis must not take
 * the service down, and a replica still limits what it sees itself.
 */
export class RedisWindowCounter extends WindowCounter implements OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly local = new MemoryWindowCounter(WINDOW_MS);
  private outage = false;

  private constructor(
    private readonly redis: Redis,
    private readonly telemetry: Telemetry,
  ) {
    super();
  }

  /** Connects before the first request, but starts counting locally rather than fail to start. */
  static async connect(url: string, telemetry: Telemetry): Promise<RedisWindowCounter> {
    const redis = new Redis(url, {
      lazyConnect: true,
      // While disconnected, fail at once instead of queueing: the request falls back to memory.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: 2_000,
    });
    // ioredis reconnects by itself; the outage is logged when a count falls back.
    redis.on('error', () => undefined);
    const counter = new RedisWindowCounter(redis, telemetry);
    try {
      await redis.connect();
    } catch (error) {
      counter.reportOutage(error);
    }
    return counter;
  }

  async take(key: string, limit: number): Promise<WindowVerdict> {
    return this.count(key, limit, true);
  }

  async check(key: string, limit: number): Promise<WindowVerdict> {
    return this.count(key, limit, false);
  }

  onApplicationShutdown(): void {
    // Nothing is pending that matters: counts are written as they happen.
    this.redis.disconnect();
  }

  private async count(key: string, limit: number, take: boolean): Promise<WindowVerdict> {
    const { index, elapsedMs } = windowAt(Date.now(), WINDOW_MS);
    const keys = [`ml-service:${key}:${index}`, `ml-service:${key}:${index - 1}`];
    let counts: [number, number];
    try {
      counts = (await this.redis.eval(
        SLIDING_WINDOW_LUA,
        2,
        ...keys,
        limit,
        WINDOW_MS,
        WINDOW_MS - elapsedMs,
        take ? 1 : 0,
      )) as [number, number];
    } catch (error) {
      this.reportOutage(error);
      this.telemetry.rateLimitCountedLocally();
      return take ? this.local.take(key, limit) : this.local.check(key, limit);
    }
    if (this.outage) {
      this.outage = false;
      this.logger.log('Redis answers again: rate limits are shared across replicas again');
    }
    const [previous, current] = counts;
    return judge(previous, current, elapsedMs, WINDOW_MS, limit);
  }

  private reportOutage(error: unknown): void {
    if (this.outage) return;
    this.outage = true;
    this.logger.warn(
      `Redis unreachable (${(error as Error).message}): counting rate limits on this replica alone until it answers`,
    );
  }
}
