// Live: this replica's API traffic from its own metrics, polled every two seconds.
import { api } from './api.js';
import { barChart, lineChart } from './charts.js';
import { h } from './dom.js';
import { count, decimal, milliseconds, percent } from './format.js';

/**
 * @typedef {object} LiveReport GET /dashboard/api/live; null: not exported, or undefined in the window
 * @property {string} timestamp
 * @property {number} window_seconds
 * @property {number | null} requests_per_second
 * @property {number | null} server_error_rate
 * @property {number | null} client_error_rate
 * @property {number | null} latency_p50_ms
 * @property {number | null} latency_p99_ms
 * @property {number | null} cache_hit_rate
 * @property {Record<string, number> | null} feedback_per_second
 * @property {{ requests: number | null, feedback: Record<string, number> | null }} totals
 * @property {{ requests: boolean, latency: boolean, cache: boolean, feedback: boolean }} available
 */

const POLL_MS = 2000;
/** Five minutes of history for the trend lines. */
const HISTORY_POINTS = 150;
const FEEDBACK_ACTIONS = ['click', 'save', 'like', 'watch', 'rate', 'skip', 'dislike', 'hide'];

/** @type {import('./app.js').Page} */
export const livePage = {
  title: 'Live',
  async render(root, _params, context) {
    /** @type {LiveReport[]} */
    const history = [];
    const tiles = h('div', { class: 'tiles' });
    const trends = h('div', { class: 'cards' });
    const feedback = h('div', { class: 'card' });
    const windowNote = h('p', { class: 'hint' });
    root.append(
      h(
        'p',
        { class: 'hint' },
        'API requests (routes under /v1/) of the replica serving this page, from its own metrics; the dashboard, probes and scrapes are left out.',
      ),
      windowNote,
      h(
        'section',
        { 'aria-labelledby': 'now-heading' },
        h('h2', { id: 'now-heading', class: 'visually-hidden' }, 'Now'),
        tiles,
      ),
      h(
        'section',
        { 'aria-labelledby': 'trend-heading' },
        h('h2', { id: 'trend-heading' }, 'Last five minutes'),
        trends,
      ),
      h(
        'section',
        { 'aria-labelledby': 'feedback-heading' },
        h('h2', { id: 'feedback-heading' }, 'Feedback by action'),
        h('div', { class: 'cards' }, feedback),
      ),
    );

    /** @param {LiveReport} report */
    function draw(report) {
      history.push(report);
      if (history.length > HISTORY_POINTS) history.shift();
      windowNote.textContent = `Rates over the last ${decimal(report.window_seconds, 0)} s, updated every ${POLL_MS / 1000} s.`;
      tiles.replaceChildren(
        tile('Requests / s', decimal(report.requests_per_second, 2), report.available.requests, 'requests'),
        tile('Latency p50', milliseconds(report.latency_p50_ms), report.available.latency, 'p50'),
        tile('Latency p99', milliseconds(report.latency_p99_ms), report.available.latency, 'p99'),
        tile('Server errors (5xx)', percent(report.server_error_rate), report.available.requests, 'errors'),
        tile('Client errors (4xx)', percent(report.client_error_rate), report.available.requests, 'client-errors'),
        tile('Cache hit rate', percent(report.cache_hit_rate), report.available.cache, 'cache'),
      );
      const at = (/** @type {LiveReport} */ r) => Date.parse(r.timestamp);
      const time = (/** @type {number} */ ms) => new Date(ms).toLocaleTimeString();
      trends.replaceChildren(
        h(
          'div',
          { class: 'card' },
          lineChart({
            title: 'Requests per second',
            series: [
              {
                name: 'requests/s',
                points: history
                  .filter((r) => r.requests_per_second !== null)
                  .map((r) => ({ x: at(r), y: /** @type {number} */ (r.requests_per_second) })),
              },
            ],
            yFormat: (y) => decimal(y, 1),
            xFormat: time,
            height: 150,
          }),
        ),
        h(
          'div',
          { class: 'card' },
          lineChart({
            title: 'Latency (ms)',
            series: [
              {
                name: 'p50',
                points: history
                  .filter((r) => r.latency_p50_ms !== null)
                  .map((r) => ({ x: at(r), y: /** @type {number} */ (r.latency_p50_ms) })),
              },
              {
                name: 'p99',
                points: history
                  .filter((r) => r.latency_p99_ms !== null)
                  .map((r) => ({ x: at(r), y: /** @type {number} */ (r.latency_p99_ms) })),
              },
            ],
            yFormat: (y) => decimal(y, 0),
            xFormat: time,
            height: 150,
          }),
        ),
      );
      feedback.replaceChildren(feedbackChart(report));
    }

    draw(/** @type {LiveReport} */ (await api('dashboard/api/live')));
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const poll = async () => {
      try {
        const report = /** @type {LiveReport} */ (await api('dashboard/api/live'));
        if (!context.isCurrent()) return;
        draw(report);
      } catch (error) {
        context.fail(error);
        return; // no point hammering a service that refuses or is down; reloading the page resumes
      }
      timer = setTimeout(poll, POLL_MS);
    };
    timer = setTimeout(poll, POLL_MS);
    return () => clearTimeout(timer);
  },
};

/**
 * @param {string} label
 * @param {string} value
 * @param {boolean} available
 * @param {string} key
 */
function tile(label, value, available, key) {
  return h(
    'div',
    { class: 'tile', 'data-tile': key },
    h('p', { class: 'tile-label' }, label),
    h('p', { class: 'tile-value' }, value),
    available ? null : h('p', { class: 'tile-note' }, 'not exported by this version'),
  );
}

/** @param {LiveReport} report */
function feedbackChart(report) {
  const totals = report.totals.feedback;
  if (totals === null) return h('p', {}, 'Feedback counts are not exported by this version of the service.');
  const actions = [
    ...FEEDBACK_ACTIONS.filter((a) => a in totals),
    ...Object.keys(totals)
      .filter((a) => !FEEDBACK_ACTIONS.includes(a))
      .sort(),
  ];
  if (actions.length === 0) return h('p', {}, 'No feedback since this replica started.');
  return barChart({
    title: 'Feedback events since the replica started, by action',
    bars: actions.map((action) => ({ label: action, value: totals[action] })),
    format: (x) => count(x),
    integer: true,
  });
}
