import { ThrottlerModuleOptions } from '@nestjs/throttler';
import { Request } from 'express';
import { principalOf } from './principal';

/**
 * One budget per caller across all routes (the throttler's default is one per route): the token
 * subject or API key when the access guard verified one, the client address otherwise.
 * In memory, so each replica counts its own share of a caller's requests.
 */
export function rateLimitOptions(perMinute: number): ThrottlerModuleOptions {
  return {
    // Named 'default': @SkipThrottle() and the plain Retry-After header refer to that name.
    throttlers: [{ name: 'default', ttl: 60_000, limit: perMinute }],
    errorMessage: `rate limit exceeded: at most ${perMinute} requests per minute`,
    getTracker: (req) => {
      const principal = principalOf(req as Request);
      return principal ? `${principal.kind}:${principal.subject}` : `ip:${(req as Request).ip ?? 'unknown'}`;
    },
    generateKey: (_context, tracker, throttler) => `${throttler}:${tracker}`,
  };
}
