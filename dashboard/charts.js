// Hand-drawn SVG charts: no library to load, nothing fetched from elsewhere. Every chart is a
// <figure> whose SVG has a <title> and a <desc> listing its numbers, so a screen reader gets
// the same information as the picture; data-* attributes carry the exact values drawn.
import { h, s, uniqueId } from './dom.js';

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
/** Line styles added to colour, so series differ without it too. */
const DASHES = ['', '6 3', '2 3', '8 3 2 3', '4 4', '1 2', '10 4'];

/** viewBox width: about the width of a card on a laptop or a phone, so text is drawn near its nominal size. */
const WIDTH = 320;
const FONT = 12;

/**
 * The smallest of 1, 2, 2.5, 5 × 10^k that is at least x: axis ends people can read.
 * @param {number} x
 */
function niceCeiling(x) {
  if (!(x > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= x - 1e-12) return m * step;
  return 10 * step;
}

/**
 * @param {string} title
 * @param {string} description
 * @param {number} height
 * @param {(SVGElement | null)[]} content
 * @param {Record<string, string>} [attributes]
 */
function chartFigure(title, description, height, content, attributes = {}) {
  const titleId = uniqueId('chart-title');
  const descId = uniqueId('chart-desc');
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${WIDTH} ${height}`,
      role: 'img',
      'aria-labelledby': `${titleId} ${descId}`,
      'font-size': FONT,
      ...attributes,
    },
    s('title', { id: titleId }, title),
    s('desc', { id: descId }, description),
    content,
  );
  return h('figure', { class: 'chart' }, h('figcaption', {}, title), svg);
}

/** @param {string} text @param {number} max */
function shorten(text, max) {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * @typedef {object} Bar
 * @property {string} label
 * @property {number} value
 * @property {number | null} [low] lower end of the interval (whisker)
 * @property {number | null} [high]
 * @property {number | null} [marker] a reference value drawn as a tick, e.g. the expected count
 * @property {boolean} [emphasis] drawn in the accent colour (the control variant)
 */

/**
 * Horizontal bars, one row per item, with interval whiskers and reference ticks when given.
 * @param {{ title: string, bars: Bar[], format: (x: number) => string, max?: number, integer?: boolean, markerName?: string, intervalName?: string }} options
 *   integer: counts, so the axis ticks must be whole numbers
 */
export function barChart({
  title,
  bars,
  format,
  max,
  integer = false,
  markerName = 'expected',
  intervalName = '95% CI',
}) {
  const rowHeight = 30;
  const top = 6;
  const axis = 24;
  const labelRight = 98;
  const plotLeft = 104;
  const plotRight = WIDTH - 58;
  const height = top + bars.length * rowHeight + axis;
  const highest = Math.max(0, ...bars.flatMap((b) => [b.value, b.high ?? 0, b.marker ?? 0]));
  const domain = max ?? niceCeiling(highest * 1.05);
  /** @param {number} v */
  const x = (v) => plotLeft + (Math.min(Math.max(v, 0), domain) / domain) * (plotRight - plotLeft);

  // Three ticks at most: more would collide at phone width. Counts get no fractional tick.
  const ticks = [0, domain / 2, domain].filter((t) => !integer || Number.isInteger(t));
  const grid = ticks.map((t) =>
    s(
      'g',
      { class: 'tick' },
      s('line', { x1: x(t), x2: x(t), y1: top, y2: height - axis + 4, class: 'grid' }),
      s('text', { x: x(t), y: height - 8, 'text-anchor': 'middle', class: 'axis-label' }, format(t)),
    ),
  );
  const rows = bars.map((bar, i) => {
    const y = top + i * rowHeight;
    const middle = y + rowHeight / 2;
    const hasInterval = bar.low !== null && bar.low !== undefined && bar.high !== null && bar.high !== undefined;
    const interval = hasInterval
      ? ` (${intervalName} ${format(/** @type {number} */ (bar.low))}–${format(/** @type {number} */ (bar.high))})`
      : '';
    const marker = bar.marker === null || bar.marker === undefined ? '' : `, ${markerName} ${format(bar.marker)}`;
    return s(
      'g',
      { class: bar.emphasis ? 'bar-row emphasis' : 'bar-row', 'data-label': bar.label, 'data-value': bar.value },
      s('title', {}, `${bar.label}: ${format(bar.value)}${interval}${marker}`),
      s(
        'text',
        { x: labelRight, y: middle + FONT / 3, 'text-anchor': 'end', class: 'bar-label' },
        shorten(bar.label, 14),
      ),
      s('rect', {
        x: plotLeft,
        y: middle - 8,
        width: Math.max(x(bar.value) - plotLeft, 1),
        height: 16,
        class: 'bar',
        rx: 2,
      }),
      hasInterval
        ? s(
            'g',
            { class: 'whisker' },
            s('line', {
              x1: x(/** @type {number} */ (bar.low)),
              x2: x(/** @type {number} */ (bar.high)),
              y1: middle,
              y2: middle,
            }),
            s('line', {
              x1: x(/** @type {number} */ (bar.low)),
              x2: x(/** @type {number} */ (bar.low)),
              y1: middle - 6,
              y2: middle + 6,
            }),
            s('line', {
              x1: x(/** @type {number} */ (bar.high)),
              x2: x(/** @type {number} */ (bar.high)),
              y1: middle - 6,
              y2: middle + 6,
            }),
          )
        : null,
      bar.marker === null || bar.marker === undefined
        ? null
        : s('line', { x1: x(bar.marker), x2: x(bar.marker), y1: middle - 11, y2: middle + 11, class: 'marker' }),
      s('text', { x: WIDTH - 4, y: middle + FONT / 3, 'text-anchor': 'end', class: 'bar-value' }, format(bar.value)),
    );
  });
  const description = bars
    .map((bar) => {
      const interval =
        bar.low !== null && bar.low !== undefined && bar.high !== null && bar.high !== undefined
          ? `, ${intervalName} ${format(bar.low)} to ${format(bar.high)}`
          : '';
      const marker = bar.marker === null || bar.marker === undefined ? '' : `, ${markerName} ${format(bar.marker)}`;
      return `${bar.label} ${format(bar.value)}${interval}${marker}`;
    })
    .join('; ');
  return chartFigure(title, description, height, [s('g', {}, grid), s('g', {}, rows)], { class: 'bar-chart' });
}

/**
 * @typedef {object} Effect
 * @property {string} label
 * @property {number | null} value null while undefined (e.g. no lift while control has no successes)
 * @property {number | null} low
 * @property {number | null} high
 * @property {boolean} significant
 */

/**
 * A forest plot: each effect as a point with its interval around a zero line. Significant effects
 * are filled, the others hollow.
 * @param {{ title: string, effects: Effect[], format: (x: number) => string, undefinedText: string }} options
 */
export function effectChart({ title, effects, format, undefinedText }) {
  const rowHeight = 30;
  const top = 6;
  const axis = 24;
  const labelRight = 98;
  const plotLeft = 104;
  const plotRight = WIDTH - 58;
  const height = top + effects.length * rowHeight + axis;
  const extent = Math.max(
    0.1,
    ...effects
      .flatMap((e) => [e.value, e.low, e.high])
      .filter((v) => v !== null)
      .map((v) => Math.abs(/** @type {number} */ (v))),
  );
  const domain = niceCeiling(extent);
  /** @param {number} v */
  const x = (v) =>
    plotLeft + ((Math.min(Math.max(v, -domain), domain) + domain) / (2 * domain)) * (plotRight - plotLeft);

  const grid = [-domain, 0, domain].map((t) =>
    s(
      'g',
      { class: 'tick' },
      s('line', { x1: x(t), x2: x(t), y1: top, y2: height - axis + 4, class: t === 0 ? 'zero' : 'grid' }),
      s('text', { x: x(t), y: height - 8, 'text-anchor': 'middle', class: 'axis-label' }, t === 0 ? '0' : format(t)),
    ),
  );
  const rows = effects.map((effect, i) => {
    const middle = top + i * rowHeight + rowHeight / 2;
    const label = s(
      'text',
      { x: labelRight, y: middle + FONT / 3, 'text-anchor': 'end', class: 'bar-label' },
      shorten(effect.label, 14),
    );
    if (effect.value === null) {
      return s(
        'g',
        { class: 'effect-row', 'data-label': effect.label },
        s('title', {}, `${effect.label}: ${undefinedText}`),
        label,
        s('text', { x: plotLeft + 4, y: middle + FONT / 3, class: 'axis-label undefined-effect' }, undefinedText),
      );
    }
    const { low, high } = effect;
    const interval = low !== null && high !== null ? ` (95% CI ${format(low)} to ${format(high)})` : '';
    return s(
      'g',
      {
        class: `effect-row${effect.significant ? ' significant' : ''}`,
        'data-label': effect.label,
        'data-value': effect.value,
      },
      s('title', {}, `${effect.label}: ${format(effect.value)}${interval}${effect.significant ? ', significant' : ''}`),
      label,
      low !== null && high !== null
        ? s('line', { x1: x(low), x2: x(high), y1: middle, y2: middle, class: 'interval' })
        : null,
      s('circle', { cx: x(effect.value), cy: middle, r: 5, class: 'point' }),
      s('text', { x: WIDTH - 4, y: middle + FONT / 3, 'text-anchor': 'end', class: 'bar-value' }, format(effect.value)),
    );
  });
  const description = effects
    .map((e) => {
      if (e.value === null) return `${e.label}: ${undefinedText}`;
      const interval = e.low !== null && e.high !== null ? `, 95% CI ${format(e.low)} to ${format(e.high)}` : '';
      return `${e.label} ${format(e.value)}${interval}${e.significant ? ', significant' : ', not significant'}`;
    })
    .join('; ');
  return chartFigure(title, description, height, [s('g', {}, grid), s('g', {}, rows)], { class: 'effect-chart' });
}

/**
 * @typedef {object} Series
 * @property {string} name
 * @property {{ x: number, y: number }[]} points x is a time in epoch milliseconds
 */

/**
 * Lines over time, one per series, with a legend below (HTML, so it wraps on a phone).
 * @param {{ title: string, series: Series[], yFormat: (y: number) => string, xFormat: (x: number) => string, yCap?: number, height?: number }} options
 *   yCap: the axis fits the data but never goes above this (1 for proportions)
 */
export function lineChart({ title, series, yFormat, xFormat, yCap = Infinity, height = 180 }) {
  const left = 38;
  const right = WIDTH - 10;
  const top = 10;
  const bottom = height - 26;
  const xs = series.flatMap((line) => line.points.map((p) => p.x));
  const ys = series.flatMap((line) => line.points.map((p) => p.y));
  let [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  if (!(xMax > xMin)) [xMin, xMax] = [(xMin || 0) - 60_000, (xMax || 0) + 60_000];
  const domain = Math.min(yCap, niceCeiling(Math.max(...ys, 0) * 1.1));
  /** @param {number} v */
  const x = (v) => left + ((v - xMin) / (xMax - xMin)) * (right - left);
  /** @param {number} v */
  const y = (v) => bottom - (Math.min(Math.max(v, 0), domain) / domain) * (bottom - top);

  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * domain);
  const grid = [
    ...yTicks.map((t) =>
      s(
        'g',
        { class: 'tick' },
        s('line', { x1: left, x2: right, y1: y(t), y2: y(t), class: 'grid' }),
        s('text', { x: left - 4, y: y(t) + FONT / 3, 'text-anchor': 'end', class: 'axis-label' }, yFormat(t)),
      ),
    ),
    s('text', { x: left, y: height - 6, 'text-anchor': 'start', class: 'axis-label' }, xFormat(xMin)),
    s('text', { x: right, y: height - 6, 'text-anchor': 'end', class: 'axis-label' }, xFormat(xMax)),
  ];
  const lines = series.map((line, i) => {
    const points = [...line.points].sort((a, b) => a.x - b.x);
    const path = points.map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
    return s(
      'g',
      {
        class: 'series',
        'data-series': line.name,
        stroke: PALETTE[i % PALETTE.length],
        fill: PALETTE[i % PALETTE.length],
      },
      s('path', { d: path, fill: 'none', 'stroke-width': 2, 'stroke-dasharray': DASHES[i % DASHES.length] || null }),
      points.map((p) =>
        s(
          'circle',
          { cx: x(p.x), cy: y(p.y), r: 3, 'data-value': p.y },
          s('title', {}, `${line.name}, ${xFormat(p.x)}: ${yFormat(p.y)}`),
        ),
      ),
    );
  });
  const description = series
    .map(
      (line) => `${line.name}: ${line.points.map((p) => `${yFormat(p.y)} at ${xFormat(p.x)}`).join(', ') || 'no data'}`,
    )
    .join('; ');
  const figure = chartFigure(title, description, height, [s('g', {}, grid), s('g', {}, lines)], {
    class: 'line-chart',
  });
  if (series.length > 1) figure.append(legend(series.map((line) => line.name)));
  return figure;
}

/** @param {string[]} names */
function legend(names) {
  return h(
    'ul',
    { class: 'legend', 'aria-hidden': 'true' },
    names.map((name, i) =>
      h(
        'li',
        {},
        s(
          'svg',
          { viewBox: '0 0 28 10', width: 28, height: 10 },
          s('line', {
            x1: 1,
            x2: 27,
            y1: 5,
            y2: 5,
            stroke: PALETTE[i % PALETTE.length],
            'stroke-width': 2.5,
            'stroke-dasharray': DASHES[i % DASHES.length] || null,
          }),
        ),
        name,
      ),
    ),
  );
}
