import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

const requestIds = new AsyncLocalStorage<string>();

/** A caller's id is kept only when it is safe to echo and to log: 1-128 printable ASCII characters. */
const ACCEPTABLE_REQUEST_ID = /^[\x20-\x7e]{1,128}$/;

/** The caller's `x-request-id` when acceptable, a fresh UUID otherwise. */
export function acceptRequestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && ACCEPTABLE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** Runs `fn` (and everything it starts) as part of the request, so its log lines carry the id. */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return requestIds.run(requestId, fn);
}

export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}
