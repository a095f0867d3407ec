// Builds DOM nodes from data. Text always goes in as text nodes, never as HTML, so ids, names and
// reasons from the API cannot inject markup into the page.

/** @typedef {Node | string | number | null | undefined | false} Child */
/** @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attributes */

/**
 * An HTML element: attributes (functions under `on…` become listeners; false/null/undefined are
 * left out; true is an empty attribute) and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes} [attributes]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes = {}, ...children) {
  return fill(document.createElement(tag), attributes, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * An SVG element, as h().
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes} [attributes]
 * @param {...(Child | Child[])} children
 * @returns {SVGElementTagNameMap[K]}
 */
export function s(tag, attributes = {}, ...children) {
  return fill(/** @type {SVGElementTagNameMap[K]} */ (document.createElementNS(SVG_NS, tag)), attributes, children);
}

/**
 * @template {Element} E
 * @param {E} element
 * @param {Attributes} attributes
 * @param {(Child | Child[])[]} children
 * @returns {E}
 */
function fill(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

let lastId = 0;

/** An id unique in the page, for aria-labelledby and label[for]. */
export function uniqueId(prefix = 'id') {
  lastId += 1;
  return `${prefix}-${lastId}`;
}

/**
 * A table whose rows turn into labelled cards at phone width (see styles.css): each cell carries
 * its column's name in data-label.
 * @param {{ caption: string, columns: string[], rows: Child[][], numeric?: number[], rowAttributes?: (index: number) => Attributes }} table
 */
export function dataTable({ caption, columns, rows, numeric = [], rowAttributes = () => ({}) }) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data' },
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((name, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : null }, name)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((cells, r) =>
          h(
            'tr',
            rowAttributes(r),
            cells.map((cell, i) =>
              h('td', { 'data-label': columns[i], class: numeric.includes(i) ? 'num' : null }, cell),
            ),
          ),
        ),
      ),
    ),
  );
}
