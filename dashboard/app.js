// The dashboard shell: hash routes (#/models, #/try/user_001) to pages, the credential form that
// a 401 or 403 brings up, and the status line that screen readers announce.
import { credential, CredentialNeededError } from './api.js';
import { h } from './dom.js';
import { experimentsPage } from './page-experiments.js';
import { livePage } from './page-live.js';
import { modelsPage } from './page-models.js';
import { tryPage } from './page-try.js';

/**
 * @typedef {object} PageContext
 * @property {(message: string) => void} announce says it in the status line (aria-live)
 * @property {(error: unknown) => void} fail shows an error, or the credential form for 401/403
 * @property {() => void} refresh renders the current page again, e.g. after an action
 * @property {() => boolean} isCurrent false once the operator has moved to another page
 */

/**
 * @typedef {object} Page
 * @property {string} title
 * @property {(root: HTMLElement, params: string[], context: PageContext) => Promise<void | (() => void)>} render
 *   fills root; may return a function that stops its timers when the page is left
 */

/** @type {Record<string, Page>} */
const PAGES = { experiments: experimentsPage, models: modelsPage, live: livePage, try: tryPage };
const DEFAULT_PAGE = 'experiments';

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const statusLine = /** @type {HTMLElement} */ (document.getElementById('status'));
const credentialPanel = /** @type {HTMLElement} */ (document.getElementById('credential'));
const credentialReason = /** @type {HTMLElement} */ (document.getElementById('credential-reason'));
const credentialForm = /** @type {HTMLFormElement} */ (document.getElementById('credential-form'));
const forgetButton = /** @type {HTMLButtonElement} */ (document.getElementById('forget-credential'));

/** @type {(() => void) | null} */
let stopCurrentPage = null;
/** Incremented on every render, so a slow page that finishes after the operator left is dropped. */
let renderCount = 0;

/** How long a status message stays on screen; screen readers have announced it by then. */
const STATUS_SHOWN_MS = 8000;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let statusTimer;

/** @param {string} message */
function announce(message) {
  // Cleared first: the same sentence twice in a row would otherwise not be read again.
  statusLine.textContent = '';
  clearTimeout(statusTimer);
  requestAnimationFrame(() => (statusLine.textContent = message));
  statusTimer = setTimeout(() => (statusLine.textContent = ''), STATUS_SHOWN_MS);
}

/** @param {unknown} error */
function fail(error) {
  if (error instanceof CredentialNeededError) {
    askForCredential(error);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  main.querySelector('.alert.error')?.remove();
  main.querySelector('h1')?.after(h('div', { class: 'alert error', role: 'alert' }, message));
}

/** @param {CredentialNeededError} error */
function askForCredential(error) {
  credentialReason.textContent =
    error.status === 401
      ? `The API needs a credential: ${error.message}.`
      : `This credential may not do that: ${error.message}. Use an admin token or an API key.`;
  credentialPanel.hidden = false;
  /** @type {HTMLInputElement} */ (credentialForm.elements.namedItem('value')).focus();
}

/** @param {{ focusHeading: boolean }} options */
async function render({ focusHeading }) {
  const [name = DEFAULT_PAGE, ...params] = window.location.hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
  const pageName = name in PAGES ? name : DEFAULT_PAGE;
  const page = PAGES[pageName];
  stopCurrentPage?.();
  stopCurrentPage = null;
  renderCount += 1;
  const mine = renderCount;

  for (const link of document.querySelectorAll('nav a[data-page]')) {
    if (link.getAttribute('data-page') === pageName) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  forgetButton.hidden = credential.get() === null;
  document.title = `${page.title} · ml-service dashboard`;
  const heading = h('h1', { tabindex: '-1' }, page.title);
  const loading = h('p', { class: 'loading' }, 'Loading…');
  main.replaceChildren(heading, loading);
  main.setAttribute('aria-busy', 'true');
  if (focusHeading) heading.focus();

  const root = h('div', { class: 'page', 'data-page': pageName });
  /** @type {PageContext} */
  const context = {
    announce,
    fail: (error) => mine === renderCount && fail(error),
    refresh: () => void render({ focusHeading: false }),
    isCurrent: () => mine === renderCount,
  };
  try {
    const stop = await page.render(root, params, context);
    if (mine !== renderCount) {
      stop?.();
      return;
    }
    stopCurrentPage = stop ?? null;
    // Swapped in beside the heading, not by replacing it: a focused heading would lose focus.
    loading.replaceWith(root);
  } catch (error) {
    if (mine !== renderCount) return;
    loading.remove();
    fail(error);
  } finally {
    if (mine === renderCount) main.removeAttribute('aria-busy');
  }
}

credentialForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(credentialForm);
  const kind = data.get('kind') === 'api-key' ? 'api-key' : 'bearer';
  credential.set({ kind, value: String(data.get('value') ?? '').trim() });
  credentialForm.reset();
  credentialPanel.hidden = true;
  announce('Credential saved for this tab.');
  void render({ focusHeading: true });
});

forgetButton.addEventListener('click', () => {
  credential.clear();
  announce('Credential forgotten.');
  void render({ focusHeading: true });
});

window.addEventListener('hashchange', () => void render({ focusHeading: true }));
void render({ focusHeading: false });
