import { Csr, EventLog } from './types';

/**
 * Builds a CSR matrix from coordinate triples, summing duplicates and sorting columns.
 * Two counting passes, no per-entry objects: fine for millions of entries.
 */
export function buildCsr(
  rows: number,
  cols: number,
  rowIndex: Int32Array,
  colIndex: Int32Array,
  values: Float32Array,
): Csr {
  const n = rowIndex.length;
  const counts = new Int32Array(rows + 1);
  for (let k = 0; k < n; k++) counts[rowIndex[k] + 1]++;
  for (let r = 0; r < rows; r++) counts[r + 1] += counts[r];

  const cursor = counts.slice(0, rows);
  const rawCols = new Int32Array(n);
  const rawVals = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const at = cursor[rowIndex[k]]++;
    rawCols[at] = colIndex[k];
    rawVals[at] = values[k];
  }

  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(n);
  const merged = new Float32Array(n);
  let out = 0;
  for (let r = 0; r < rows; r++) {
    const start = counts[r];
    const end = counts[r + 1];
    const order = sortedOrder(rawCols, start, end);
    let last = -1;
    for (const k of order) {
      if (rawCols[k] === last) {
        merged[out - 1] += rawVals[k];
      } else {
        indices[out] = rawCols[k];
        merged[out] = rawVals[k];
        last = rawCols[k];
        out++;
      }
    }
    indptr[r + 1] = out;
  }
  return { rows, cols, indptr, indices: indices.slice(0, out), values: merged.slice(0, out) };
}

function sortedOrder(keys: Int32Array, start: number, end: number): number[] {
  const order: number[] = [];
  for (let k = start; k < end; k++) order.push(k);
  return order.sort((a, b) => keys[a] - keys[b] || a - b);
}

/** Returns a copy keeping only entries for which `keep(value)` holds. */
function filterCsr(m: Csr, keep: (value: number) => boolean): Csr {
  const indptr = new Int32Array(m.rows + 1);
  let count = 0;
  for (let k = 0; k < m.values.length; k++) if (keep(m.values[k])) count++;
  const indices = new Int32Array(count);
  const values = new Float32Array(count);
  let out = 0;
  for (let r = 0; r < m.rows; r++) {
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) {
      if (keep(m.values[k])) {
        indices[out] = m.indices[k];
        values[out++] = m.values[k];
      }
    }
    indptr[r + 1] = out;
  }
  return { rows: m.rows, cols: m.cols, indptr, indices, values };
}

export function transpose(m: Csr): Csr {
  const rowIndex = new Int32Array(m.indices.length);
  for (let r = 0; r < m.rows; r++) {
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) rowIndex[k] = r;
  }
  return buildCsr(m.cols, m.rows, m.indices, rowIndex, m.values);
}

/**
 * The user × item preference matrix: each cell is the sum of the user's event weights on that
 * item, and only cells whose sum is positive are kept (a hide cancels a click).
 */
export function preferenceMatrix(events: EventLog, numUsers: number, numItems: number): Csr {
  return filterCsr(buildCsr(numUsers, numItems, events.user, events.item, events.weight), (v) => v > 0);
}

/**
 * Indices of the `k` highest finite scores, best first. Ties break towards the lower index so
 * results are deterministic. O(n log k) with a small binary heap.
 */
export function topK(scores: Float32Array | Float64Array, k: number): Int32Array {
  const heap: number[] = [];
  const worse = (a: number, b: number) => scores[a] < scores[b] || (scores[a] === scores[b] && a > b);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (!Number.isFinite(s)) continue;
    if (heap.length < k) {
      heap.push(i);
      siftUp(heap, heap.length - 1, worse);
    } else if (k > 0 && worse(heap[0], i)) {
      heap[0] = i;
      siftDown(heap, 0, worse);
    }
  }
  return Int32Array.from(heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0)));
}

function siftUp(heap: number[], at: number, worse: (a: number, b: number) => boolean): void {
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (!worse(heap[at], heap[parent])) return;
    [heap[at], heap[parent]] = [heap[parent], heap[at]];
    at = parent;
  }
}

function siftDown(heap: number[], at: number, worse: (a: number, b: number) => boolean): void {
  for (;;) {
    const left = 2 * at + 1;
    const right = left + 1;
    let least = at;
    if (left < heap.length && worse(heap[left], heap[least])) least = left;
    if (right < heap.length && worse(heap[right], heap[least])) least = right;
    if (least === at) return;
    [heap[at], heap[least]] = [heap[least], heap[at]];
    at = least;
  }
}

/** The events in time order (stable for equal times); returns the input when already ordered. */
export function sortEventsByTime(events: EventLog): EventLog {
  const { user, item, weight, time } = events;
  let sorted = true;
  for (let k = 1; k < time.length && sorted; k++) sorted = time[k - 1] <= time[k];
  if (sorted) return events;
  const order = Int32Array.from({ length: time.length }, (_, k) => k).sort((a, b) => time[a] - time[b] || a - b);
  return {
    user: order.map((k) => user[k]),
    item: order.map((k) => item[k]),
    weight: Float32Array.from(order, (k) => weight[k]),
    time: Float64Array.from(order, (k) => time[k]),
  };
}
