import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { Principal } from './principal';

interface Claims {
  sub?: unknown;
  exp?: unknown;
  roles?: unknown;
  role?: unknown;
}

/**
 * Verifies bearer tokens: signature with the one configured algorithm (so an RS256 key can never
 * be used as an HS256 secret), expiry (and, unless JWT_REQUIRE_EXP=false, that there is one: a
 * token without is valid forever), and issuer and audience when configured. Registered only
 * when JWT_SECRET or JWT_PUBLIC_KEY is set. Passport keeps strategies by name for the whole
 * process, so the application constructed last verifies for all: one per process in production,
 * and the tests run theirs one after another.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly requireExp: boolean;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const jwt = config.auth.jwt;
    if (jwt === null) throw new Error('JwtStrategy needs JWT_SECRET or JWT_PUBLIC_KEY');
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: jwt.key,
      algorithms: [jwt.algorithm],
      issuer: jwt.issuer,
      audience: jwt.audience,
      ignoreExpiration: false,
    });
    this.requireExp = jwt.requireExp;
  }

  validate(claims: Claims): Principal {
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new UnauthorizedException('token has no sub claim');
    // jsonwebtoken checks exp only when present.
    if (this.requireExp && typeof claims.exp !== 'number') throw new UnauthorizedException('token has no exp claim');
    const roles = Array.isArray(claims.roles) ? claims.roles : [];
    return { kind: 'user', subject: claims.sub, admin: roles.includes('admin') || claims.role === 'admin' };
  }
}
