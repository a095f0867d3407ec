import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The browser app is plain JavaScript modules served as they are, so `npm start` needs no extra
 * build step: they live in the repository's dashboard/ folder, beside dist/ (this file runs from
 * dist/src/dashboard/).
 */
export const DASHBOARD_DIR = resolve(__dirname, '../../../dashboard');

/** Flat names with the extensions the app uses: nothing else in the folder, and no path can climb out of it. */
const SERVED_NAME = /^[a-z0-9-]+\.(html|js|css|svg)$/;

/** Whether `name` is a dashboard file that may be served. */
export function isDashboardFile(name: string): boolean {
  return SERVED_NAME.test(name) && existsSync(join(DASHBOARD_DIR, name));
}

/**
 * What the page may load and contact: only this origin, no inline script. A script injected
 * through data shown on the page could read the API token kept in sessionStorage.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
