import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented credential with a configured one in constant time. Both are hashed first,
 * so the comparison neither depends on where they differ nor reveals the secret's length.
 */
export function secretMatches(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The credential of an `Authorization: Bearer <token>` header, if that is what was sent. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
