// Every call the dashboard makes to the service, with the operator's credential when one is set.

/** The algorithms the API serves, in the order the pages show them. */
export const ALGORITHMS = [
  'popularity',
  'item_knn',
  'collaborative_filtering',
  'content_based',
  'matrix_factorization',
  'ease',
  'hybrid',
];

const CREDENTIAL_KEY = 'ml-service.dashboard.credential';

/** @typedef {{ kind: 'bearer' | 'api-key', value: string }} Credential */

/** Kept in sessionStorage: gone when the tab closes, never shared with other tabs. */
export const credential = {
  /** @returns {Credential | null} */
  get() {
    const stored = sessionStorage.getItem(CREDENTIAL_KEY);
    if (stored === null) return null;
    try {
      const parsed = JSON.parse(stored);
      return parsed && (parsed.kind === 'bearer' || parsed.kind === 'api-key') && typeof parsed.value === 'string'
        ? parsed
        : null;
    } catch {
      return null;
    }
  },
  /** @param {Credential} value */
  set(value) {
    sessionStorage.setItem(CREDENTIAL_KEY, JSON.stringify(value));
  },
  clear() {
    sessionStorage.removeItem(CREDENTIAL_KEY);
  },
};

/** The service answered 401 (no or a bad credential) or 403 (a credential without the right). */
export class CredentialNeededError extends Error {
  /** @param {number} status @param {string} detail */
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export class ApiError extends Error {
  /** @param {number} status @param {string} detail */
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

/** The page is /dashboard/; the API is beside it, whatever prefix a proxy adds in front. */
const SERVICE_ROOT = new URL('../', window.location.href);

/**
 * Calls the API and returns its JSON. Errors carry the service's `detail`.
 * @param {string} path relative to the service root, e.g. "v1/models?limit=20"
 * @param {{ method?: string, body?: unknown }} [options]
 * @returns {Promise<unknown>}
 */
export async function api(path, { method = 'GET', body } = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const current = credential.get();
  if (current?.kind === 'bearer') headers.authorization = `Bearer ${current.value}`;
  if (current?.kind === 'api-key') headers['x-api-key'] = current.value;

  const response = await fetch(new URL(path, SERVICE_ROOT), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  /** @type {unknown} */
  let payload;
  try {
    payload = text === '' ? null : JSON.parse(text);
  } catch {
    payload = null;
  }
  const detail = detailOf(payload) ?? `${response.status} ${response.statusText}`;
  if (response.status === 401 || response.status === 403) throw new CredentialNeededError(response.status, detail);
  if (!response.ok) throw new ApiError(response.status, detail);
  return payload;
}

/**
 * The service's error bodies are `{"detail": "…"}`.
 * @param {unknown} payload
 */
function detailOf(payload) {
  if (typeof payload !== 'object' || payload === null || !('detail' in payload)) return null;
  return typeof payload.detail === 'string' ? payload.detail : null;
}
