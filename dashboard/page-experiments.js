// Experiments: the verdict on the primary metric first (always-valid intervals, guardrails,
// CUPED's noise reduction, how long until the target effect is detectable), then each variant's
// rates with intervals, lift against control, the interval narrowing day by day, the
// sample-ratio check, participants, and the pause / resume / complete controls.
import { api } from './api.js';
import { barChart, effectChart } from './charts.js';
import { dataTable, h } from './dom.js';
import { count, dateTime, percent, pValue, signedPercent } from './format.js';

/**
 * @typedef {object} Experiment
 * @property {string} experiment_id
 * @property {string} name
 * @property {string} status
 * @property {string[]} metrics_tracked
 * @property {string} primary_metric what the verdict is about
 */

/**
 * @typedef {object} Comparison
 * @property {number} p_value
 * @property {number} p_value_adjusted Holm-adjusted across the treatments
 * @property {boolean} is_significant
 * @property {number | null} relative_lift
 * @property {[number | null, number | null]} lift_ci
 * @property {'primary' | 'exploratory'} role
 * @property {number | null} cuped_variance_reduction
 */

/**
 * @typedef {object} Guardrail
 * @property {string} variant_id
 * @property {string} metric
 * @property {'rise' | 'fall'} harmful_direction
 * @property {boolean} breached
 * @property {number | null} relative_lift
 * @property {[number | null, number | null]} lift_ci
 */

/**
 * @typedef {object} Power
 * @property {string} variant_id
 * @property {number | null} minimum_detectable_effect
 * @property {number} target_lift
 * @property {number | null} participants_needed
 * @property {number | null} participants_per_day
 * @property {number | null} estimated_days_remaining
 */

/**
 * @typedef {object} DailyPoint
 * @property {string} date
 * @property {number} participants
 * @property {{ variant_id: string, relative_lift: number | null, lift_ci: [number | null, number | null], is_significant: boolean }[]} comparisons
 */

/**
 * @typedef {object} VariantResult
 * @property {string} variant_id
 * @property {string} name
 * @property {string} algorithm
 * @property {number} traffic_percentage
 * @property {boolean} is_control
 * @property {number} participants
 * @property {number} impressions
 * @property {number} clicks
 * @property {number} saves
 * @property {number} hides
 * @property {Record<string, number>} metrics
 * @property {Record<string, [number | null, number | null]>} confidence_intervals
 * @property {{ vs_control: Comparison & { by_metric: Record<string, Comparison> } }} [statistical_significance]
 */

/**
 * @typedef {object} Results
 * @property {string} status
 * @property {string | null} start_date
 * @property {string | null} end_date
 * @property {number} participants
 * @property {number} impressions
 * @property {number} attribution_hours
 * @property {string} primary_metric
 * @property {'sequential' | 'fixed_horizon'} inference
 * @property {number} cuped_covariate_days
 * @property {Guardrail[]} guardrails
 * @property {Power[]} power
 * @property {VariantResult[]} variants
 * @property {{ chi_square: number, p_value: number, detected: boolean }} sample_ratio_mismatch
 * @property {string} summary
 */

/**
 * How long a draft would take, from the traffic before it (GET /v1/experiments/:id `design`).
 * @typedef {object} Design
 * @property {string} primary_metric
 * @property {number} target_lift
 * @property {number} history_days
 * @property {number | null} baseline_rate
 * @property {number | null} users_per_day
 * @property {number | null} estimated_days
 * @property {string | null} reason
 * @property {{ variant_id: string, participants_needed: number | null }[]} treatments
 */

const METRICS = [
  { key: 'click_through_rate', name: 'Click-through rate' },
  { key: 'conversion_rate', name: 'Conversion rate' },
  { key: 'save_rate', name: 'Save rate' },
  { key: 'hide_rate', name: 'Hide rate' },
];

/** What each status may become, with the button's words (PATCH /v1/experiments/:id). */
const TRANSITIONS = /** @type {Record<string, { to: string, label: string, question: string }[]>} */ ({
  draft: [
    {
      to: 'active',
      label: 'Start',
      question: 'Start this experiment? Users are assigned to its variants from now on.',
    },
  ],
  active: [
    {
      to: 'paused',
      label: 'Pause',
      question: 'Pause this experiment? Everyone gets the default algorithm until it is resumed.',
    },
    { to: 'completed', label: 'Complete', question: 'Complete this experiment? This is final: it cannot be resumed.' },
  ],
  paused: [
    { to: 'active', label: 'Resume', question: 'Resume this experiment? Users go back to their variants.' },
    { to: 'completed', label: 'Complete', question: 'Complete this experiment? This is final: it cannot be resumed.' },
  ],
  completed: [],
});

/** @type {import('./app.js').Page} */
export const experimentsPage = {
  title: 'Experiments',
  async render(root, params, context) {
    const { experiments } = /** @type {{ experiments: Experiment[] }} */ (await api('v1/experiments'));
    if (experiments.length === 0) {
      root.append(
        h(
          'p',
          {},
          'No experiments yet. Create one with POST /v1/experiments (see ',
          h('a', { href: '../docs' }, 'the API docs'),
          ').',
        ),
      );
      return;
    }
    const experiment =
      experiments.find((e) => e.experiment_id === params[0]) ??
      experiments.find((e) => e.status === 'active') ??
      experiments[0];
    const path = `v1/experiments/${encodeURIComponent(experiment.experiment_id)}/results`;
    const [results, daily, draft] = await Promise.all([
      /** @type {Promise<Results>} */ (api(path)),
      /** @type {Promise<{ days: DailyPoint[] }>} */ (api(`${path}/daily`)),
      // Only a draft's own record carries the duration estimate.
      experiment.status === 'draft'
        ? /** @type {Promise<{ design?: Design }>} */ (
            api(`v1/experiments/${encodeURIComponent(experiment.experiment_id)}`)
          )
        : Promise.resolve(undefined),
    ]);
    // The primary metric first: it alone decides; the others are exploratory.
    const metrics = [...METRICS].sort(
      (a, b) => Number(b.key === results.primary_metric) - Number(a.key === results.primary_metric),
    );
    root.append(
      picker(experiments, experiment),
      overview(experiment, results, context),
      ...(draft?.design ? [designSection(draft.design)] : []),
      verdictSection(results),
      ...narrowingSection(results, daily.days),
      h(
        'section',
        { 'aria-labelledby': 'rates-heading' },
        h('h2', { id: 'rates-heading' }, 'Rates and lift against control'),
        h(
          'div',
          { class: 'cards' },
          metrics.map((m) => metricCard(m, results)),
        ),
      ),
      participantsSection(results),
    );
  },
};

/**
 * @param {Experiment[]} experiments
 * @param {Experiment} selected
 */
function picker(experiments, selected) {
  const select = h(
    'select',
    {
      id: 'experiment-picker',
      onchange: (event) => {
        const target = /** @type {HTMLSelectElement} */ (event.target);
        window.location.hash = `#/experiments/${encodeURIComponent(target.value)}`;
      },
    },
    experiments.map((e) =>
      h('option', { value: e.experiment_id, selected: e === selected }, `${e.name} (${e.status})`),
    ),
  );
  return h('div', { class: 'field picker' }, h('label', { for: 'experiment-picker' }, 'Experiment'), select);
}

/**
 * @param {Experiment} experiment
 * @param {Results} results
 * @param {import('./app.js').PageContext} context
 */
function overview(experiment, results, context) {
  /** @param {{ to: string, question: string }} transition */
  async function change(transition) {
    if (!window.confirm(`${transition.question}\n\n${experiment.name}`)) return;
    try {
      await api(`v1/experiments/${encodeURIComponent(experiment.experiment_id)}`, {
        method: 'PATCH',
        body: { status: transition.to },
      });
      context.announce(`${experiment.name} is now ${transition.to}.`);
      context.refresh();
    } catch (error) {
      context.fail(error);
    }
  }

  const srm = results.sample_ratio_mismatch;
  const actions = TRANSITIONS[results.status] ?? [];
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'overview-heading' },
    h(
      'h2',
      { id: 'overview-heading' },
      experiment.name,
      ' ',
      h('span', { class: `badge status-${results.status}` }, results.status),
    ),
    srm.detected
      ? h(
          'div',
          { class: 'alert warning', role: 'alert' },
          h('strong', {}, 'Sample ratio mismatch. '),
          `Participants do not match the configured traffic split (χ² = ${srm.chi_square.toFixed(1)}, p = ${pValue(srm.p_value)}): assignment or logging is broken, so the comparisons below cannot be trusted.`,
        )
      : null,
    h('p', { class: 'summary' }, results.summary),
    h(
      'dl',
      { class: 'facts' },
      fact('Started', dateTime(results.start_date)),
      fact('Ended', dateTime(results.end_date)),
      fact('Participants', count(results.participants)),
      fact('Impressions', count(results.impressions)),
      fact('Attribution window', `${results.attribution_hours} h`),
      fact('Sample ratio check', `p = ${pValue(srm.p_value)}${srm.detected ? ' (mismatch)' : ''}`),
    ),
    actions.length === 0
      ? h('p', { class: 'hint' }, 'Completed experiments are final.')
      : h(
          'div',
          { class: 'actions' },
          actions.map((t) =>
            h(
              'button',
              { type: 'button', class: t.to === 'completed' ? 'danger' : '', onclick: () => void change(t) },
              t.label,
            ),
          ),
        ),
  );
}

/**
 * A draft's duration estimate in words, at the traffic of the days before it.
 * @param {Design} design
 */
function designSection(design) {
  const needed = Math.max(...design.treatments.map((t) => t.participants_needed ?? 0));
  const words =
    design.estimated_days === null
      ? `No duration estimate yet: ${design.reason}.`
      : `At the last ${design.history_days} days' traffic (about ${count(design.users_per_day)} users a day, ` +
        `${metricName(design.primary_metric)} ${percent(design.baseline_rate)}), detecting a ${percent(design.target_lift)} lift ` +
        `with 80% power takes about ${Math.ceil(design.estimated_days)} days (${count(needed)} participants per treatment and control).`;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'design-heading' },
    h('h2', { id: 'design-heading' }, 'How long it would take'),
    h('p', {}, words),
  );
}

/** @param {string} key */
function metricName(key) {
  return (METRICS.find((m) => m.key === key)?.name ?? key).toLowerCase();
}

/**
 * What to do about each treatment, in words: ship, stop, or keep running and for how long.
 * @param {Results} results
 */
function verdictSection(results) {
  const primary = metricName(results.primary_metric);
  const always = results.inference === 'sequential';
  const treatments = results.variants.filter((v) => !v.is_control);
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'verdict-heading' },
    h('h2', { id: 'verdict-heading' }, `Verdict on ${primary}`),
    h(
      'p',
      { class: 'hint' },
      always
        ? 'Intervals are always valid: read them as often as you like, and stop as soon as one excludes zero.'
        : 'Fixed-horizon intervals: valid only when read once, at the sample size planned in advance.',
    ),
    h(
      'ul',
      { class: 'verdicts' },
      treatments.map((v) => h('li', { 'data-variant': v.variant_id }, verdictWords(v, results, primary))),
      results.guardrails.map((g) =>
        h(
          'li',
          { class: g.breached ? 'alert warning' : '', 'data-guardrail': g.metric },
          g.breached
            ? `Guardrail breached: ${g.variant_id} makes ${metricName(g.metric)} ${g.harmful_direction} (${signedPercent(g.relative_lift)}). Do not ship it as it is.`
            : `Guardrail holds: no sign that ${g.variant_id} makes ${metricName(g.metric)} ${g.harmful_direction}${g.relative_lift === null ? '' : ` (${signedPercent(g.relative_lift)} so far)`}.`,
        ),
      ),
    ),
  );
}

/**
 * @param {VariantResult} v
 * @param {Results} results
 * @param {string} primary
 */
function verdictWords(v, results, primary) {
  const c = v.statistical_significance?.vs_control;
  const power = results.power.find((p) => p.variant_id === v.variant_id);
  const [low, high] = c?.lift_ci ?? [null, null];
  const interval =
    low === null || high === null ? '' : ` (95% interval ${signedPercent(low)} to ${signedPercent(high)})`;
  const cuped =
    c?.cuped_variance_reduction && c.cuped_variance_reduction >= 0.05
      ? ` Activity before the experiment explained ${percent(c.cuped_variance_reduction)} of the noise (CUPED), so this answer came sooner.`
      : '';
  if (c?.is_significant && (c.relative_lift ?? 0) > 0) {
    return `${v.variant_id} wins: ${primary} ${signedPercent(c.relative_lift)}${interval}.${cuped}`;
  }
  if (c?.is_significant) {
    return `${v.variant_id} loses: ${primary} ${signedPercent(c.relative_lift)}${interval}. Stop it.${cuped}`;
  }
  const mde = power?.minimum_detectable_effect;
  const days = power?.estimated_days_remaining;
  const target = power ? percent(power.target_lift) : '';
  const wait =
    days === null || days === undefined
      ? `Not enough data yet to estimate how long a ${target} lift takes to detect.`
      : days === 0
        ? `Enough participants to detect a ${target} lift: if it existed, it would show by now.`
        : `At the current traffic, detecting a ${target} lift takes about ${Math.ceil(days)} more days.`;
  return `${v.variant_id}: no difference on ${primary} yet${interval}. ${mde ? `Today only a lift of ${percent(mde)} or more would show. ` : ''}${wait}${cuped}`;
}

/**
 * The lift's interval at the end of each day (cumulative): it narrows as participants arrive.
 * @param {Results} results
 * @param {DailyPoint[]} days
 */
function narrowingSection(results, days) {
  const treatments = results.variants.filter((v) => !v.is_control);
  if (days.length === 0 || treatments.length === 0) return [];
  return [
    h(
      'section',
      { 'aria-labelledby': 'narrowing-heading' },
      h('h2', { id: 'narrowing-heading' }, `Lift in ${metricName(results.primary_metric)}, day by day`),
      h(
        'div',
        { class: 'cards' },
        treatments.map((t) =>
          h(
            'div',
            { class: 'card', 'data-narrowing': t.variant_id },
            effectChart({
              title: `Lift of ${t.variant_id} against control, as it stood at the end of each day`,
              effects: days.map((d) => {
                const c = d.comparisons.find((x) => x.variant_id === t.variant_id);
                return {
                  label: d.date.slice(5),
                  value: c?.relative_lift ?? null,
                  low: c?.lift_ci[0] ?? null,
                  high: c?.lift_ci[1] ?? null,
                  significant: c?.is_significant ?? false,
                };
              }),
              format: signedPercent,
              undefinedText: 'no lift yet',
            }),
          ),
        ),
      ),
    ),
  ];
}

/** @param {string} term @param {string} value */
function fact(term, value) {
  return h('div', {}, h('dt', {}, term), h('dd', {}, value));
}

/**
 * @param {{ key: string, name: string }} metric
 * @param {Results} results
 */
function metricCard(metric, results) {
  const treatments = results.variants.filter((v) => !v.is_control);
  /** @param {VariantResult} v */
  const comparison = (v) => v.statistical_significance?.vs_control.by_metric[metric.key];
  const primary = results.primary_metric === metric.key;
  return h(
    'article',
    { class: 'card', 'data-metric': metric.key },
    h('h3', {}, metric.name, h('span', { class: 'tag' }, primary ? 'primary' : 'exploratory')),
    barChart({
      title: `${metric.name} per variant, with 95% intervals`,
      bars: results.variants.map((v) => ({
        label: v.variant_id,
        value: v.metrics[metric.key],
        low: v.confidence_intervals[metric.key][0] ?? v.metrics[metric.key],
        high: v.confidence_intervals[metric.key][1] ?? v.metrics[metric.key],
        emphasis: v.is_control,
      })),
      format: percent,
    }),
    treatments.length === 0
      ? null
      : effectChart({
          title: `Lift in ${metric.name.toLowerCase()} against control`,
          effects: treatments.map((v) => {
            const c = comparison(v);
            return {
              label: v.variant_id,
              value: c?.relative_lift ?? null,
              low: c?.lift_ci[0] ?? null,
              high: c?.lift_ci[1] ?? null,
              significant: c?.is_significant ?? false,
            };
          }),
          format: signedPercent,
          undefinedText: 'no lift yet: control has no events',
        }),
    treatments.length === 0
      ? null
      : dataTable({
          caption: `${metric.name}: tests against control`,
          columns: ['Variant', 'Lift (95% CI)', 'p', 'p adjusted (Holm)', 'Significant'],
          numeric: [1, 2, 3],
          rows: treatments.map((v) => {
            const c = comparison(v);
            const lift = c?.relative_lift ?? null;
            const [low, high] = c?.lift_ci ?? [null, null];
            return [
              v.variant_id,
              lift === null ? '—' : `${signedPercent(lift)} (${signedPercent(low)} to ${signedPercent(high)})`,
              pValue(c?.p_value),
              pValue(c?.p_value_adjusted),
              c?.is_significant ? h('span', { class: 'badge status-active' }, 'yes') : 'no',
            ];
          }),
        }),
  );
}

/** @param {Results} results */
function participantsSection(results) {
  return h(
    'section',
    { 'aria-labelledby': 'participants-heading' },
    h('h2', { id: 'participants-heading' }, 'Participants'),
    h(
      'p',
      { class: 'hint' },
      'The tick on each bar is the count the current traffic split expects; the sample-ratio check above uses the splits in force when each participant arrived.',
    ),
    h(
      'div',
      { class: 'cards' },
      h(
        'div',
        { class: 'card' },
        barChart({
          title: 'Participants per variant',
          bars: results.variants.map((v) => ({
            label: v.variant_id,
            value: v.participants,
            marker: (results.participants * v.traffic_percentage) / 100,
            emphasis: v.is_control,
          })),
          format: (x) => count(x),
          integer: true,
          markerName: 'expected',
        }),
      ),
    ),
    h(
      'div',
      { class: 'card wide' },
      dataTable({
        caption: 'Counts per variant',
        columns: ['Variant', 'Algorithm', 'Traffic', 'Participants', 'Impressions', 'Clicks', 'Saves', 'Hides'],
        numeric: [2, 3, 4, 5, 6, 7],
        rows: results.variants.map((v) => [
          v.is_control ? `${v.variant_id} (control)` : v.variant_id,
          v.algorithm,
          `${v.traffic_percentage}%`,
          count(v.participants),
          count(v.impressions),
          count(v.clicks),
          count(v.saves),
          count(v.hides),
        ]),
      }),
    ),
  );
}
