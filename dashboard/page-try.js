// Try it: one user's recent feedback beside what every algorithm would recommend them, with reasons.
import { ALGORITHMS, api, CredentialNeededError } from './api.js';
import { dataTable, h } from './dom.js';
import { dateTime, decimal } from './format.js';

/**
 * @typedef {object} Recommendation
 * @property {string} event_id
 * @property {number} score
 * @property {string} reason
 * @property {{ event_name: string, city: string | null, date: string | null }} metadata
 */

/** @typedef {{ recommendations: Recommendation[], model_version: string | null, algorithm: string, fallback?: string }} RecommendationResponse */
/** @typedef {{ event_id: string, action: string, value: number | null, context: { timestamp: string } }} FeedbackEvent */

const RECOMMENDATIONS_PER_ALGORITHM = 5;
const FEEDBACK_SHOWN = 15;
/** The demo catalogue's users, suggested when no feedback has arrived yet. */
const DEMO_USERS = Array.from({ length: 10 }, (_, i) => `user_${String(i + 1).padStart(3, '0')}`);

/** @type {import('./app.js').Page} */
export const tryPage = {
  title: 'Try it',
  async render(root, params, context) {
    const userId = params[0] ?? '';
    const [suggestions, shown] = await Promise.all([
      suggestedUsers(),
      userId === '' ? null : userSection(userId, context),
    ]);
    root.append(
      userForm(userId, suggestions),
      shown ??
        h(
          'p',
          { class: 'hint' },
          "Pick a user to see their feedback and every algorithm's recommendations side by side.",
        ),
    );
  },
};

/** @returns {Promise<string[]>} */
async function suggestedUsers() {
  const { user_ids: recent } = /** @type {{ user_ids: string[] }} */ (await api('dashboard/api/recent-users'));
  return recent.length > 0 ? recent : DEMO_USERS;
}

/**
 * @param {string} userId
 * @param {string[]} suggestions
 */
function userForm(userId, suggestions) {
  const input = h('input', {
    id: 'try-user',
    name: 'user',
    type: 'text',
    list: 'try-users',
    value: userId,
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
  });
  /** @param {Event} event */
  const submit = (event) => {
    event.preventDefault();
    const chosen = input.value.trim();
    if (chosen !== '') window.location.hash = `#/try/${encodeURIComponent(chosen)}`;
  };
  return h(
    'form',
    { class: 'inline-form panel', onsubmit: submit },
    h('div', { class: 'field' }, h('label', { for: 'try-user' }, 'User id'), input),
    h(
      'datalist',
      { id: 'try-users' },
      suggestions.map((id) => h('option', { value: id })),
    ),
    h('button', { type: 'submit' }, 'Show'),
  );
}

/**
 * @param {string} userId
 * @param {import('./app.js').PageContext} context
 */
async function userSection(userId, context) {
  const id = encodeURIComponent(userId);
  const [feedback, ...columns] = await Promise.all([
    api(`v1/users/${id}/feedback?limit=${FEEDBACK_SHOWN}`).then(
      (body) => /** @type {{ feedback: FeedbackEvent[] }} */ (body).feedback,
    ),
    ...ALGORITHMS.map((algorithm) =>
      api('v1/recommendations', {
        method: 'POST',
        body: { user_id: userId, limit: RECOMMENDATIONS_PER_ALGORITHM, algorithm },
      }).then(
        (body) => ({ algorithm, response: /** @type {RecommendationResponse} */ (body), error: null }),
        // One algorithm failing (no model yet, say) must not hide the others; a missing credential must.
        (error) => {
          if (error instanceof CredentialNeededError) throw error;
          return { algorithm, response: null, error: error instanceof Error ? error.message : String(error) };
        },
      ),
    ),
  ]);
  const names = await itemNames(feedback.map((f) => f.event_id));
  context.announce(`Showing ${userId}: ${feedback.length} feedback events and ${columns.length} algorithms.`);
  return h(
    'div',
    {},
    h(
      'section',
      { 'aria-labelledby': 'feedback-heading' },
      h('h2', { id: 'feedback-heading' }, `Recent feedback of ${userId}`),
      feedback.length === 0
        ? h('p', {}, 'No feedback from this user: every algorithm falls back to what is popular.')
        : dataTable({
            caption: `The newest ${feedback.length} events`,
            columns: ['When', 'Action', 'Item'],
            rows: feedback.map((f) => [
              dateTime(f.context.timestamp),
              f.value === null ? f.action : `${f.action} (${f.value})`,
              names.get(f.event_id) ?? f.event_id,
            ]),
          }),
    ),
    h(
      'section',
      { 'aria-labelledby': 'columns-heading' },
      h('h2', { id: 'columns-heading' }, 'Recommendations by algorithm'),
      h(
        'div',
        { class: 'columns' },
        columns.map((c) => recommendationColumn(c.algorithm, c.response, c.error)),
      ),
    ),
  );
}

/**
 * Item names for the feedback table; an item that cannot be read keeps its id.
 * @param {string[]} ids
 * @returns {Promise<Map<string, string>>}
 */
async function itemNames(ids) {
  const distinct = [...new Set(ids)];
  const settled = await Promise.allSettled(distinct.map((id) => api(`v1/items/${encodeURIComponent(id)}`)));
  /** @type {Map<string, string>} */
  const names = new Map();
  settled.forEach((result, i) => {
    const item = result.status === 'fulfilled' ? /** @type {{ name?: unknown }} */ (result.value) : null;
    if (item && typeof item.name === 'string') names.set(distinct[i], item.name);
  });
  return names;
}

/**
 * @param {string} algorithm
 * @param {RecommendationResponse | null} response
 * @param {string | null} error
 */
function recommendationColumn(algorithm, response, error) {
  const headingId = `column-${algorithm}`;
  return h(
    'article',
    { class: 'card column', 'aria-labelledby': headingId, 'data-algorithm': algorithm },
    h('h3', { id: headingId }, algorithm),
    response
      ? h('p', { class: 'cell-note' }, response.model_version ? `model ${response.model_version}` : 'no model version')
      : null,
    response?.fallback ? h('p', { class: 'cell-note fallback' }, response.fallback) : null,
    error ? h('p', { class: 'alert error' }, error) : null,
    response && response.recommendations.length === 0 ? h('p', {}, 'Nothing to recommend.') : null,
    response
      ? h(
          'ol',
          { class: 'recommendations' },
          response.recommendations.map((r) =>
            h(
              'li',
              { 'data-event-id': r.event_id },
              h('span', { class: 'item-name' }, r.metadata?.event_name ?? r.event_id),
              // Recurring events share a name; when and where tell them apart.
              h('span', { class: 'item-where' }, [r.metadata?.date, r.metadata?.city].filter(Boolean).join(' · ')),
              h('span', { class: 'reason' }, r.reason),
              h('span', { class: 'score' }, `score ${decimal(r.score, 3)}`),
            ),
          ),
        )
      : null,
  );
}
