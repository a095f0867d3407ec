import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse } from '@nestjs/swagger';

/**
 * Who may call a route, beyond being authenticated when AUTH_REQUIRED is true. Routes without a
 * rule are open to every authenticated caller (and to anonymous ones while it is false).
 */
export type AccessRule =
  | { kind: 'public' }
  | { kind: 'admin' }
  /** `path` says where the request names user ids, e.g. `params.id`, `body.user_ids[]`, `body.events[].user_id`. */
  | { kind: 'own-user'; path: string };

export const ACCESS_RULE = 'ml-service:access-rule';

/** No credentials at all, even under AUTH_REQUIRED (health probes; /metrics has its own token). */
export const Public = () => SetMetadata(ACCESS_RULE, { kind: 'public' } satisfies AccessRule);

/** Admin tokens (`roles: ["admin"]` or `role: "admin"`) and API keys only. */
export const AdminOnly = () =>
  applyDecorators(
    SetMetadata(ACCESS_RULE, { kind: 'admin' } satisfies AccessRule),
    ApiForbiddenResponse({ description: 'Needs an admin token or an API key' }),
  );

/** A user token may act only for its own user id, at every place `path` names one; admins for anyone. */
export const OwnUser = (path: string) =>
  applyDecorators(
    SetMetadata(ACCESS_RULE, { kind: 'own-user', path } satisfies AccessRule),
    ApiForbiddenResponse({ description: "A user token naming another user's id" }),
  );

/**
 * The values at `path` in the request, `[]` meaning every element of an array. Guards run before
 * validation, so anything may be there; callers compare, never trust, what comes back.
 */
export function valuesAt(root: unknown, path: string): unknown[] {
  let values = [root];
  for (const segment of path.split('.')) {
    const each = segment.endsWith('[]');
    const key = each ? segment.slice(0, -2) : segment;
    values = values.flatMap((value) => {
      const next = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
      if (!each) return [next];
      return Array.isArray(next) ? (next as unknown[]) : [];
    });
  }
  return values.filter((value) => value !== undefined);
}
