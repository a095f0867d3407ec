import { createHmac, createSign, KeyObject } from 'node:crypto';

/** How to sign: HS256 with a shared secret, or RS256 with a private key. */
export type SigningKey = { alg: 'HS256'; secret: string } | { alg: 'RS256'; privateKey: KeyObject };

/**
 * A compact JWT, signed as an identity provider would; valid for an hour unless `claims` says
 * otherwise. Written against node:crypto so the tests do not lean on a transitive dependency.
 */
export function signToken(claims: Record<string, unknown>, key: SigningKey): string {
  const now = Math.floor(Date.now() / 1000);
  const header = encode({ alg: key.alg, typ: 'JWT' });
  const payload = encode({ iat: now, exp: now + 3600, ...claims });
  const input = `${header}.${payload}`;
  const signature =
    key.alg === 'HS256'
      ? createHmac('sha256', key.secret).update(input).digest('base64url')
      : createSign('RSA-SHA256').update(input).sign(key.privateKey, 'base64url');
  return `${input}.${signature}`;
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
