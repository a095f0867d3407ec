import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Request } from 'express';
import { bearerToken, secretMatches } from '../common/secrets';
import { APP_CONFIG, AppConfig } from '../config/config';

/** With METRICS_TOKEN set, /metrics answers only a scraper presenting it as a bearer token. */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.metricsToken;
    if (expected === null) return true;
    const presented = bearerToken(context.switchToHttp().getRequest<Request>().header('authorization'));
    if (presented !== undefined && secretMatches(presented, expected)) return true;
    throw new UnauthorizedException('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
  }
}
