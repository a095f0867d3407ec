import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AuthFailures } from '../common/auth/auth-failures';
import { bearerToken, secretMatches } from '../common/secrets';
import { APP_CONFIG, AppConfig } from '../config/config';

/**
 * With METRICS_TOKEN set, /metrics answers only a scraper presenting it as a bearer token; wrong
 * tokens count against the caller's address like any refused credential.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly authFailures: AuthFailures,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const expected = this.config.metricsToken;
    if (expected === null) return true;
    const http = context.switchToHttp();
    const header = http.getRequest<FastifyRequest>().headers.authorization;
    const refuse = () => new UnauthorizedException('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    if (header === undefined) throw refuse();
    return this.authFailures.guard(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), () => {
      const presented = bearerToken(header);
      if (presented !== undefined && secretMatches(presented, expected)) return true;
      throw refuse();
    });
  }
}
