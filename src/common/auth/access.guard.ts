import {
  ExecutionContext,
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { ACCESS_RULE, AccessRule, valuesAt } from './access.decorators';
import { ApiKeys } from './api-keys';
import { AuthFailures } from './auth-failures';
import { principalOf, Principal, setPrincipal } from './principal';

/**
 * The one global guard: authenticates the caller (X-API-Key, or a bearer token through
 * passport-jwt), then applies the route's access rule. Credentials that are present are always
 * verified — a bad one is 401 even where none is needed, and counts against the caller's address
 * (see AuthFailures) — and a missing one is 401 only under AUTH_REQUIRED.
 */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apiKeys: ApiKeys,
    private readonly authFailures: AuthFailures,
  ) {
    super();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (rule?.kind === 'public') return true;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    authorize(rule, await this.authenticate(context, req), req);
    return true;
  }

  private async authenticate(context: ExecutionContext, req: FastifyRequest): Promise<Principal | null> {
    if (req.headers['x-api-key'] !== undefined || req.headers.authorization !== undefined) {
      return this.authFailures.guard(req, context.switchToHttp().getResponse<FastifyReply>(), () =>
        this.verify(context, req),
      );
    }
    if (this.config.auth.required)
      throw new UnauthorizedException('authentication required: send Authorization: Bearer <token> or X-API-Key');
    return null;
  }

  private async verify(context: ExecutionContext, req: FastifyRequest): Promise<Principal | null> {
    // Node joins a repeated header into one string; only set-cookie is ever an array.
    const apiKey = req.headers['x-api-key'] as string | undefined;
    if (apiKey !== undefined) {
      const principal = this.apiKeys.principalFor(apiKey);
      if (principal === null) throw new UnauthorizedException('invalid API key');
      setPrincipal(req, principal);
      return principal;
    }
    if (this.config.auth.jwt === null)
      throw new UnauthorizedException(
        'bearer tokens are not accepted: the service has no JWT_SECRET or JWT_PUBLIC_KEY',
      );
    await super.canActivate(context);
    return principalOf(req);
  }

  /** passport-jwt's verdict: the principal, or why the token was refused. */
  handleRequest<TUser = Principal>(
    error: unknown,
    principal: Principal | false,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (error instanceof HttpException) throw error;
    if (error || !principal) throw new UnauthorizedException(describeRefusal(info ?? error));
    setPrincipal(context.switchToHttp().getRequest<FastifyRequest>(), principal);
    return principal as TUser;
  }
}

function authorize(rule: AccessRule | undefined, principal: Principal | null, req: FastifyRequest): void {
  // Anonymous callers get here only while AUTH_REQUIRED is false: the service is open then.
  if (principal === null || principal.admin) return;
  if (rule?.kind === 'admin') throw new ForbiddenException('this route needs an admin token or an API key');
  if (rule?.kind === 'own-user') {
    const userIds = valuesAt({ params: req.params, body: req.body, query: req.query }, rule.path);
    if (userIds.some((id) => id !== principal.subject))
      throw new ForbiddenException('a user token may only act for its own user (its sub claim)');
  }
}

/** jsonwebtoken's reasons ("jwt expired", "invalid signature", "jwt malformed") say nothing secret. */
function describeRefusal(reason: unknown): string {
  if (!(reason instanceof Error)) return 'invalid bearer token';
  if (reason.name === 'TokenExpiredError') return 'bearer token expired';
  if (reason.message === 'No auth token') return 'Authorization header must be "Bearer <token>"';
  return `invalid bearer token: ${reason.message}`;
}
