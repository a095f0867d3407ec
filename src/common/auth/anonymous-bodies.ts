import { UnauthorizedException } from '@nestjs/common';
import { FastifyInstance } from 'fastify';

/**
 * Under AUTH_REQUIRED, a request that carries a body but no credential header is refused before
 * the body is read: the guard would refuse it anyway, after up to 5 MB had been received and
 * parsed for nobody. Every public route (health, metrics, docs, dashboard) is a GET, so none is
 * affected. Credentials that are present are verified later, by the access guard.
 */
export function refuseAnonymousBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const { headers, method } = request;
    const hasBody = headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
    const anonymous = headers.authorization === undefined && headers['x-api-key'] === undefined;
    if (hasBody && anonymous && method !== 'GET' && method !== 'HEAD') {
      done(
        new UnauthorizedException(
          'authentication required before sending a body: send Authorization: Bearer <token> or X-API-Key',
        ),
      );
      return;
    }
    done();
  });
}
