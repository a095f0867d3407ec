// How numbers look on every page: one place, so a chart's label and the table beside it agree.

const DASH = '—';

/** @param {number | null | undefined} x */
function missing(x) {
  return x === null || x === undefined || !Number.isFinite(x);
}

/**
 * A proportion as a percentage: one decimal, two below 1% so small rates do not read as zero,
 * none from 100% (lifts) where a decimal is noise.
 * @param {number | null | undefined} x
 */
export function percent(x) {
  if (missing(x)) return DASH;
  const value = /** @type {number} */ (x) * 100;
  const magnitude = Math.abs(value);
  return `${value.toFixed(magnitude >= 100 ? 0 : magnitude !== 0 && magnitude < 1 ? 2 : 1)}%`;
}

/** @param {number | null | undefined} x */
export function signedPercent(x) {
  if (missing(x)) return DASH;
  return `${/** @type {number} */ (x) > 0 ? '+' : ''}${percent(x)}`;
}

/**
 * An offline metric (NDCG@10, recall@10, coverage): three decimals, as the evaluation reports them.
 * @param {number | null | undefined} x
 */
export function metric(x) {
  return missing(x) ? DASH : /** @type {number} */ (x).toFixed(3);
}

/** @param {number | null | undefined} p */
export function pValue(p) {
  if (missing(p)) return DASH;
  const value = /** @type {number} */ (p);
  return value < 0.0001 ? '< 0.0001' : value.toPrecision(2);
}

/** @param {number | null | undefined} x */
export function count(x) {
  return missing(x) ? DASH : Math.round(/** @type {number} */ (x)).toLocaleString('en-US');
}

/**
 * @param {number | null | undefined} x
 * @param {number} [digits]
 */
export function decimal(x, digits = 1) {
  return missing(x) ? DASH : /** @type {number} */ (x).toFixed(digits);
}

/** @param {number | null | undefined} ms */
export function milliseconds(ms) {
  if (missing(ms)) return DASH;
  const value = /** @type {number} */ (ms);
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value).toLocaleString('en-US')} ms`;
}

/** @param {number | null | undefined} seconds */
export function duration(seconds) {
  if (missing(seconds)) return DASH;
  const value = /** @type {number} */ (seconds);
  if (value < 60) return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} s`;
  return `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`;
}

/**
 * Date and time in the operator's locale, to the minute.
 * @param {string | number | null | undefined} when
 */
export function dateTime(when) {
  if (when === null || when === undefined) return DASH;
  return new Date(when).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/**
 * An axis tick: at most three decimals and no trailing zeros (0.025, 0.05, 1).
 * @param {number} x
 */
export function tick(x) {
  return String(Number(x.toFixed(3)));
}

/** @param {number} ms */
export function shortDate(ms) {
  return new Date(ms).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
