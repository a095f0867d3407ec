import { HttpException, HttpStatus, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { clientAddress } from './principal';
import { WindowCounter } from './sliding-window';

/**
 * Makes guessing credentials slow: refused API keys, bearer tokens and metrics tokens are counted
 * per client address, and past AUTH_FAILURES_PER_MINUTE every request from that address that
 * presents credentials gets 429 before they are looked at, so a right guess then answers like a
 * wrong one. Requests without credentials are not counted: they guess nothing.
 */
@Injectable()
export class AuthFailures {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly counter: WindowCounter,
  ) {}

  /** Runs `verify` (which throws UnauthorizedException to refuse) unless the caller's address is over its budget. */
  async guard<T>(req: FastifyRequest, reply: FastifyReply, verify: () => T | Promise<T>): Promise<T> {
    const key = `auth-failures:${clientAddress(req)}`;
    const limit = this.config.rateLimit.authFailuresPerMinute;
    const { allowed, retryAfterMs } = await this.counter.check(key, limit);
    if (!allowed) {
      const seconds = Math.ceil(retryAfterMs / 1000);
      void reply.header('Retry-After', seconds);
      throw new HttpException(
        `too many failed authentications from this address: retry in ${seconds} s`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    try {
      return await verify();
    } catch (error) {
      if (error instanceof UnauthorizedException) await this.counter.take(key, limit);
      throw error;
    }
  }
}
