import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { getOptionsToken, getStorageToken, ThrottlerGuard } from '@nestjs/throttler';
import { AppConfig } from '../../config/config';
import { Telemetry } from '../../telemetry/telemetry';
import { AccessGuard } from './access.guard';
import { ApiKeys } from './api-keys';
import { AuthFailures } from './auth-failures';
import { JwtStrategy } from './jwt.strategy';
import { rateLimitOptions, WindowThrottlerStorage } from './rate-limit';
import { RedisWindowCounter } from './redis-window-counter';
import { MemoryWindowCounter, WindowCounter } from './sliding-window';

/**
 * Authentication, authorization and rate limiting for every route. The guards run in the order
 * listed: the rate limit counts per verified caller, so it needs the access guard's verdict.
 * Global, so that /metrics's own token guard counts its failures with the rest.
 */
@Global()
@Module({})
export class AuthModule {
  static forRoot(config: AppConfig): DynamicModule {
    const { redisUrl } = config.rateLimit;
    const providers: Provider[] = [
      ApiKeys,
      AuthFailures,
      {
        provide: WindowCounter,
        useFactory: (telemetry: Telemetry) =>
          redisUrl === null ? new MemoryWindowCounter() : RedisWindowCounter.connect(redisUrl, telemetry),
        inject: [Telemetry],
      },
      // ThrottlerModule would bring its own storage, which keeps every hit's expiry; its guard with ours.
      { provide: getOptionsToken(), useValue: rateLimitOptions(config.rateLimit) },
      { provide: getStorageToken(), useClass: WindowThrottlerStorage },
      { provide: APP_GUARD, useClass: AccessGuard },
      { provide: APP_GUARD, useClass: ThrottlerGuard },
    ];
    if (config.auth.jwt !== null) providers.push(JwtStrategy);
    return { module: AuthModule, providers, exports: [AuthFailures] };
  }
}
