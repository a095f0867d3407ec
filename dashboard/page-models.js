// Models: every version in the registry, its offline metrics over time, rollback and retraining.
import { ALGORITHMS, api } from './api.js';
import { lineChart } from './charts.js';
import { dataTable, h } from './dom.js';
import { count, dateTime, duration, metric, shortDate, tick } from './format.js';

/**
 * @typedef {object} ModelVersion
 * @property {number} id
 * @property {string} version
 * @property {string} algorithm
 * @property {string} status
 * @property {Record<string, number> | null} metrics
 * @property {number} training_samples
 * @property {number | null} training_duration_seconds
 * @property {string | null} reason why the evaluation gate rejected it
 * @property {string | null} error why training failed
 * @property {string} created_at
 */

/** @typedef {{ models: ModelVersion[], total: number }} ModelList */

const PAGE_SIZE = 200;
/** Beyond this the table would be unreadable anyway; the API pages through the rest. */
const MAX_VERSIONS = 2000;
const POLL_MS = 1000;
/** Versions with a stored artifact that are not serving: the ones an operator can switch to. */
const ACTIVATABLE = ['candidate', 'superseded', 'rejected'];

const CHART_METRICS = [
  { key: 'ndcg_at_10', name: 'NDCG@10' },
  { key: 'recall_at_10', name: 'Recall@10' },
  { key: 'coverage', name: 'Coverage' },
];

/** @returns {Promise<{ versions: ModelVersion[], total: number }>} */
async function loadVersions() {
  /** @type {ModelVersion[]} */
  const versions = [];
  let total;
  do {
    const page = /** @type {ModelList} */ (await api(`v1/models?limit=${PAGE_SIZE}&offset=${versions.length}`));
    versions.push(...page.models);
    total = page.total;
    if (page.models.length === 0) break;
  } while (versions.length < total && versions.length < MAX_VERSIONS);
  return { versions, total };
}

/** @type {import('./app.js').Page} */
export const modelsPage = {
  title: 'Models',
  async render(root, _params, context) {
    const { versions, total } = await loadVersions();
    root.append(retrainSection(context), chartsSection(versions), versionsSection(versions, total, context));
  },
};

/** @param {import('./app.js').PageContext} context */
function retrainSection(context) {
  const progress = h('progress', { max: 1, value: 0, hidden: true, 'aria-label': 'Training progress' });
  const progressText = h('p', { class: 'progress-text', 'aria-live': 'polite' });
  const select = h(
    'select',
    { id: 'retrain-algorithm', name: 'algorithm' },
    h('option', { value: '' }, 'Every enabled algorithm'),
    ALGORITHMS.map((a) => h('option', { value: a }, a)),
  );
  const button = h('button', { type: 'submit' }, 'Retrain now');

  /** @param {Event} event */
  async function retrain(event) {
    event.preventDefault();
    button.disabled = true;
    try {
      const body = select.value === '' ? {} : { algorithm: select.value };
      const started = /** @type {{ model_ids: number[] }} */ (
        await api('v1/model/retrain?async=true', { method: 'POST', body })
      );
      const ids = started.model_ids;
      progress.max = ids.length;
      progress.value = 0;
      progress.hidden = false;
      progressText.textContent = `Training ${ids.length} version${ids.length === 1 ? '' : 's'}…`;
      /** @type {ModelVersion[]} */
      const finished = [];
      for (const id of ids) {
        finished.push(await waitUntilTrained(id, context));
        if (!context.isCurrent()) return;
        progress.value = finished.length;
        progressText.textContent = `${finished.length} of ${ids.length} finished`;
      }
      context.announce(
        `Retrain finished: ${finished.map((v) => `${v.algorithm} ${v.version} ${v.status}`).join(', ')}.`,
      );
      context.refresh();
    } catch (error) {
      progress.hidden = true;
      progressText.textContent = '';
      context.fail(error);
    } finally {
      button.disabled = false;
    }
  }

  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'retrain-heading' },
    h('h2', { id: 'retrain-heading' }, 'Retrain'),
    h(
      'form',
      { class: 'inline-form', onsubmit: (event) => void retrain(event) },
      h('div', { class: 'field' }, h('label', { for: 'retrain-algorithm' }, 'Algorithm'), select),
      button,
    ),
    progress,
    progressText,
  );
}

/**
 * Polls one version until its run has ended (active, rejected, candidate or failed).
 * @param {number} id
 * @param {import('./app.js').PageContext} context
 * @returns {Promise<ModelVersion>}
 */
async function waitUntilTrained(id, context) {
  for (;;) {
    const version = /** @type {ModelVersion} */ (await api(`v1/models/${id}`));
    if (version.status !== 'training' || !context.isCurrent()) return version;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** @param {ModelVersion[]} versions */
function chartsSection(versions) {
  const withMetrics = versions.filter((v) => v.metrics !== null);
  const algorithms = ALGORITHMS.filter((a) => withMetrics.some((v) => v.algorithm === a));
  const charts = algorithms.map((algorithm) => {
    const own = withMetrics.filter((v) => v.algorithm === algorithm);
    return h(
      'div',
      { class: 'card', 'data-algorithm': algorithm },
      lineChart({
        title: `${algorithm}: offline metrics by version`,
        series: CHART_METRICS.map(({ key, name }) => ({
          name,
          points: own.map((v) => ({ x: Date.parse(v.created_at), y: v.metrics?.[key] ?? 0 })),
        })),
        yCap: 1,
        yFormat: tick,
        xFormat: shortDate,
      }),
    );
  });
  return h(
    'section',
    { 'aria-labelledby': 'trend-heading' },
    h('h2', { id: 'trend-heading' }, 'Offline metrics over time'),
    h(
      'p',
      { class: 'hint' },
      'One point per trained version (rejected ones too), measured on the held-out feedback of its run.',
    ),
    charts.length === 0 ? h('p', {}, 'No version has finished training yet.') : h('div', { class: 'cards' }, charts),
  );
}

/**
 * @param {ModelVersion[]} versions
 * @param {number} total
 * @param {import('./app.js').PageContext} context
 */
function versionsSection(versions, total, context) {
  const activeOf = new Map(versions.filter((v) => v.status === 'active').map((v) => [v.algorithm, v]));

  /** @param {ModelVersion} version */
  async function activate(version) {
    const current = activeOf.get(version.algorithm);
    const question = [
      `Activate ${version.algorithm} ${version.version}?`,
      current ? `It replaces ${current.version} for every ${version.algorithm} request at once.` : '',
      version.status === 'rejected'
        ? `The evaluation gate rejected it: ${version.reason ?? 'no reason recorded'}.`
        : '',
    ].join(' ');
    if (!window.confirm(question.trim())) return;
    try {
      const activated = /** @type {ModelVersion} */ (await api(`v1/models/${version.id}/activate`, { method: 'POST' }));
      context.announce(`${activated.algorithm} ${activated.version} is now active.`);
      context.refresh();
    } catch (error) {
      context.fail(error);
    }
  }

  const rows = versions.map((v) => [
    v.algorithm,
    v.version,
    h(
      'div',
      {},
      h('span', { class: `badge status-${v.status}` }, v.status),
      v.reason ? h('p', { class: 'cell-note' }, `Gate: ${v.reason}`) : null,
      v.error ? h('p', { class: 'cell-note' }, `Error: ${v.error}`) : null,
    ),
    h('span', { 'data-value': v.metrics?.ndcg_at_10 ?? '' }, metric(v.metrics?.ndcg_at_10)),
    metric(v.metrics?.recall_at_10),
    metric(v.metrics?.coverage),
    count(v.training_samples),
    duration(v.training_duration_seconds),
    h('time', { datetime: v.created_at }, dateTime(v.created_at)),
    ACTIVATABLE.includes(v.status)
      ? h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            'aria-label': `Activate ${v.algorithm} ${v.version}`,
            onclick: () => void activate(v),
          },
          'Activate',
        )
      : null,
  ]);
  return h(
    'section',
    { 'aria-labelledby': 'versions-heading' },
    h('h2', { id: 'versions-heading' }, 'Versions'),
    total > versions.length
      ? h('p', { class: 'hint' }, `Showing the newest ${versions.length} of ${total} versions.`)
      : null,
    dataTable({
      caption: 'Model versions, newest first',
      columns: [
        'Algorithm',
        'Version',
        'Status',
        'NDCG@10',
        'Recall@10',
        'Coverage',
        'Samples',
        'Duration',
        'Created',
        'Action',
      ],
      numeric: [3, 4, 5, 6, 7],
      rows,
      rowAttributes: (i) => ({ 'data-model-id': versions[i].id, 'data-status': versions[i].status }),
    }),
  );
}
