import { UnauthorizedException } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';

/**
 * Under AUTH_REQUIRED, a request that carries a body but no credential header is refused before
 * the body is read: the guard would refuse it anyway, after up to 5 MB had been received and
 * parsed for nobody. Every public route (health, metrics, docs, dashboard) is a GET, so none is
 * affected. Credentials that are present are verified later, by the access guard.
 */
export function refuseAnonymousBodies() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    const anonymous = req.headers.authorization === undefined && req.headers['x-api-key'] === undefined;
    if (hasBody && anonymous && req.method !== 'GET' && req.method !== 'HEAD') {
      next(
        new UnauthorizedException(
          'authentication required before sending a body: send Authorization: Bearer <token> or X-API-Key',
        ),
      );
      return;
    }
    next();
  };
}
