import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { Principal } from './principal';

interface Claims {
  sub?: unknown;
  roles?: unknown;
  role?: unknown;
}

/**
 * Verifies bearer tokens: signature with the one configured algorithm (so an RS256 key can never
 * be used as an HS256 secret), expiry, and issuer and audience when configured. Registered only
 * when JWT_SECRET or JWT_PUBLIC_KEY is set. Passport keeps strategies by name for the whole
 * process, so the application constructed last verifies for all: one per process in production,
 * and the tests run theirs one after another.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
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
  }

  validate(claims: Claims): Principal {
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new UnauthorizedException('token has no sub claim');
    const roles = Array.isArray(claims.roles) ? claims.roles : [];
    return { kind: 'user', subject: claims.sub, admin: roles.includes('admin') || claims.role === 'admin' };
  }
}
