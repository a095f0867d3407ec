import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import { FastifyRequest } from 'fastify';
import { RateLimitConfig } from '../../config/config';
import { clientAddress, principalOf } from './principal';
import { WINDOW_MS, WindowCounter } from './sliding-window';

/**
 * One budget per caller across all routes (the throttler's default is one per route): an end
 * user's token subject gets RATE_LIMIT_PER_MINUTE, a service API key, which calls for all of a
 * backend's users, SERVICE_RATE_LIMIT_PER_MINUTE; anonymous callers (only while AUTH_REQUIRED is
 * false) are keyed on their address with the per-user budget.
 */
export function rateLimitOptions(limits: RateLimitConfig): ThrottlerModuleOptions {
  const requestOf = (context: ExecutionContext) => context.switchToHttp().getRequest<FastifyRequest>();
  return {
    throttlers: [
      {
        // Named 'default': @SkipThrottle() and the plain Retry-After header refer to that name.
        name: 'default',
        ttl: WINDOW_MS,
        limit: (context) =>
          principalOf(requestOf(context))?.kind === 'service' ? limits.perServicePerMinute : limits.perUserPerMinute,
      },
    ],
    errorMessage: (_context, detail) => `rate limit exceeded: at most ${detail.limit} requests per minute`,
    getTracker: (req) => {
      const principal = principalOf(req as FastifyRequest);
      return principal ? `${principal.kind}:${principal.subject}` : `ip:${clientAddress(req as FastifyRequest)}`;
    },
    generateKey: (_context, tracker) => `rate:${tracker}`,
  };
}

/** The throttler's storage on the sliding-window counter; every throttler here counts per minute. */
@Injectable()
export class WindowThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly counter: WindowCounter) {}

  async increment(key: string, _ttl: number, limit: number) {
    const { allowed, count, retryAfterMs } = await this.counter.take(key, limit);
    return {
      totalHits: Math.ceil(count),
      // X-RateLimit-Reset: a sliding window never resets at once; within a window's length every hit has faded.
      timeToExpire: WINDOW_MS / 1000,
      isBlocked: !allowed,
      timeToBlockExpire: Math.ceil(retryAfterMs / 1000),
    };
  }
}
