import { normalizeIp } from '@nestjs/throttler';
import { FastifyRequest } from 'fastify';

/** Who is calling, once their credentials are verified. */
export interface Principal {
  /** A person's token (`sub` is their user id) or a service's API key. */
  kind: 'user' | 'service';
  subject: string;
  /** Admin tokens and API keys may use every route and act for every user. */
  admin: boolean;
}

const principals = new WeakMap<FastifyRequest, Principal>();

export function setPrincipal(req: FastifyRequest, principal: Principal): void {
  principals.set(req, principal);
}

/** The verified caller, or null for an anonymous request (allowed only while AUTH_REQUIRED is false). */
export function principalOf(req: FastifyRequest): Principal | null {
  return principals.get(req) ?? null;
}

/**
 * The client address the per-address limits key on: an IPv6 client's /64, which one host
 * typically holds whole. Behind a proxy it is the client's only with TRUST_PROXY set.
 */
export function clientAddress(req: FastifyRequest): string {
  return normalizeIp(req.ip);
}
