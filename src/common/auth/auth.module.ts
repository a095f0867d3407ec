import { DynamicModule, Module, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../../config/config';
import { AccessGuard } from './access.guard';
import { ApiKeys } from './api-keys';
import { JwtStrategy } from './jwt.strategy';
import { rateLimitOptions } from './rate-limit';

/**
 * Authentication, authorization and rate limiting for every route. The guards run in the order
 * listed: the rate limit counts per verified caller, so it needs the access guard's verdict.
 */
@Module({})
export class AuthModule {
  static forRoot(config: AppConfig): DynamicModule {
    const providers: Provider[] = [ApiKeys, { provide: APP_GUARD, useClass: AccessGuard }, { provide: APP_GUARD, useClass: ThrottlerGuard }];
    if (config.auth.jwt !== null) providers.push(JwtStrategy);
    return {
      module: AuthModule,
      imports: [ThrottlerModule.forRoot(rateLimitOptions(config.rateLimit.perUserPerMinute))],
      providers,
    };
  }
}
