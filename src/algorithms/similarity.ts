/**
 * Helpers shared by the algorithms: typed parameter readers, CSR matrices in artifact arrays,
 * the user's usable history, score accumulation and sparse cosine neighbour search.
 */
import { AlgorithmParams, Csr, NumericArray, UserProfile } from './types';

/** Numeric strings are accepted because params may come from configuration files. */
export function readNumber(params: AlgorithmParams, key: string): number {
  const raw = params[key];
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`parameter "${key}" must be a finite number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function readNonNegative(params: AlgorithmParams, key: string): number {
  const value = readNumber(params, key);
  if (value < 0) throw new RangeError(`parameter "${key}" must not be negative, got ${value}`);
  return value;
}

export function readCount(params: AlgorithmParams, key: string): number {
  const value = readNumber(params, key);
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`parameter "${key}" must be a positive integer, got ${value}`);
  }
  return value;
}

export function readString(params: AlgorithmParams, key: string): string {
  const value = params[key];
  if (typeof value !== 'string')
    throw new TypeError(`parameter "${key}" must be a string, got ${JSON.stringify(value)}`);
  return value;
}

/** Stores a CSR matrix as three artifact arrays named `<name>.indptr|indices|values`. */
export function packCsr(name: string, m: Csr): Record<string, NumericArray> {
  return { [`${name}.indptr`]: m.indptr, [`${name}.indices`]: m.indices, [`${name}.values`]: m.values };
}

export function unpackCsr(arrays: Record<string, NumericArray>, name: string, cols: number): Csr {
  const indptr = int32Array(arrays, `${name}.indptr`);
  return {
    rows: indptr.length - 1,
    cols,
    indptr,
    indices: int32Array(arrays, `${name}.indices`),
    values: float32Array(arrays, `${name}.values`),
  };
}

export function int32Array(arrays: Record<string, NumericArray>, name: string): Int32Array {
  const array = arrays[name];
  if (!(array instanceof Int32Array)) throw new TypeError(`artifact array "${name}" is missing or not an Int32Array`);
  return array;
}

export function float32Array(arrays: Record<string, NumericArray>, name: string): Float32Array {
  const array = arrays[name];
  if (!(array instanceof Float32Array))
    throw new TypeError(`artifact array "${name}" is missing or not a Float32Array`);
  return array;
}

export interface History {
  items: Int32Array;
  weights: Float32Array;
}

/**
 * The profile's items with positive weight that the model knows: items added to the catalogue
 * after training have indices the model's arrays do not cover.
 */
export function positiveHistory(profile: UserProfile, numItems: number): History {
  const items: number[] = [];
  const weights: number[] = [];
  for (let t = 0; t < profile.items.length; t++) {
    const item = profile.items[t];
    if (item >= 0 && item < numItems && profile.weights[t] > 0) {
      items.push(item);
      weights.push(profile.weights[t]);
    }
  }
  return { items: Int32Array.from(items), weights: Float32Array.from(weights) };
}

/**
 * `compute` memoised for the most recent argument only: serving scores a profile and then
 * explains several of its items, always with the same profile object.
 */
export function lastOnly<A extends object, R>(compute: (argument: A) => R): (argument: A) => R {
  let lastArgument: A | undefined;
  let lastResult: R;
  return (argument) => {
    if (argument !== lastArgument) {
      lastResult = compute(argument);
      lastArgument = argument;
    }
    return lastResult;
  };
}

/** Distinct declared features within the model's feature space. */
export function knownFeatures(declared: Int32Array, numFeatures: number): Set<number> {
  const known = new Set<number>();
  for (const feature of declared) if (feature >= 0 && feature < numFeatures) known.add(feature);
  return known;
}

/** Adds to a score buffer whose untouched entries are -Infinity, as the Recommender contract fills it. */
export function addScore(scores: Float32Array, item: number, amount: number): void {
  const current = scores[item];
  scores[item] = current === -Infinity ? amount : current + amount;
}

export function rowNorms(m: Csr): Float64Array {
  const norms = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let sum = 0;
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) sum += m.values[k] * m.values[k];
    norms[r] = Math.sqrt(sum);
  }
  return norms;
}

export function vectorNorm(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v * v;
  return Math.sqrt(sum);
}

/** The stored value at (row, col), or 0; columns within a row are ascending, so binary search. */
export function csrValue(m: Csr, row: number, col: number): number {
  let low = m.indptr[row];
  let high = m.indptr[row + 1] - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const found = m.indices[mid];
    if (found === col) return m.values[mid];
    if (found < col) low = mid + 1;
    else high = mid - 1;
  }
  return 0;
}

export interface NeighbourOptions {
  /** How many neighbours to keep. */
  k: number;
  /** Neighbours less similar than this are dropped; zero similarity is never a neighbour. */
  minSimilarity: number;
  /** Added to the cosine denominator, damping similarities backed by few co-occurrences. */
  shrinkage: number;
}

export interface Neighbours {
  /** Ascending. */
  indices: Int32Array;
  similarities: Float32Array;
}

/**
 * The `k` best of `count` candidates given as parallel arrays (higher score first, ties to the
 * lower id), returned in ascending id order, the CSR column order. O(count log k): a min-heap of
 * positions holds the kept ones, its root the worst of them.
 */
export function selectTopK(ids: Int32Array, scores: Float32Array, count: number, k: number): Neighbours {
  const isWorse = (a: number, b: number): boolean =>
    scores[a] < scores[b] || (scores[a] === scores[b] && ids[a] > ids[b]);
  const heap = new Int32Array(Math.min(k, count));
  for (let p = 0; p < heap.length; p++) heap[p] = p;
  for (let at = (heap.length >> 1) - 1; at >= 0; at--) siftDown(heap, at, isWorse);
  for (let p = heap.length; p < count; p++) {
    if (isWorse(heap[0], p)) {
      heap[0] = p;
      siftDown(heap, 0, isWorse);
    }
  }
  heap.sort((a, b) => ids[a] - ids[b]);
  const indices = new Int32Array(heap.length);
  const similarities = new Float32Array(heap.length);
  for (let t = 0; t < heap.length; t++) {
    indices[t] = ids[heap[t]];
    similarities[t] = scores[heap[t]];
  }
  return { indices, similarities };
}

function siftDown(heap: Int32Array, at: number, isWorse: (a: number, b: number) => boolean): void {
  for (;;) {
    const left = 2 * at + 1;
    const right = left + 1;
    let worst = at;
    if (left < heap.length && isWorse(heap[left], heap[worst])) worst = left;
    if (right < heap.length && isWorse(heap[right], heap[worst])) worst = right;
    if (worst === at) return;
    const swap = heap[at];
    heap[at] = heap[worst];
    heap[worst] = swap;
    at = worst;
  }
}

/**
 * Cosine neighbours of a sparse query vector among the rows of a matrix, found through that
 * matrix's inverted index (column → rows, values included): the query only meets the rows it
 * shares a column with, so the work is the co-occurrence count, never a scan of all rows.
 * The dense accumulator is reused across queries: it is all zeros between queries (each query
 * clears what it touched), so a zero marks a row the current query has not reached yet. That
 * needs every product to be positive: query weights and index values must be > 0, as
 * preference matrices are.
 */
export class NeighbourSearch {
  // float32 halves the memory the random accesses hit, which is what the search spends its time on.
  private readonly dot: Float32Array;
  private readonly touched: Int32Array;
  private readonly passing: Int32Array;
  private readonly passingSimilarity: Float32Array;

  /**
   * @param index column → rows of the searched matrix (rows: the query's columns, cols: the searched rows)
   * @param norms L2 norm of every searched row
   */
  constructor(
    private readonly index: Csr,
    private readonly norms: Float32Array | Float64Array,
    private readonly options: NeighbourOptions,
  ) {
    this.dot = new Float32Array(index.cols);
    this.touched = new Int32Array(index.cols);
    this.passing = new Int32Array(index.cols);
    this.passingSimilarity = new Float32Array(index.cols);
  }

  /** Neighbours of the query held in `columns/values[start, end)`; `exclude` (the query's own row, or -1) is skipped. */
  find(
    columns: Int32Array,
    values: Float32Array,
    start: number,
    end: number,
    queryNorm: number,
    exclude: number,
  ): Neighbours {
    const count = this.accumulate(columns, values, start, end);
    const { dot, touched, passing, passingSimilarity, norms } = this;
    const { k, minSimilarity, shrinkage } = this.options;
    let passed = 0;
    for (let t = 0; t < count; t++) {
      const row = touched[t];
      const similarity = dot[row] / (queryNorm * norms[row] + shrinkage);
      dot[row] = 0;
      if (row !== exclude && similarity > 0 && similarity >= minSimilarity) {
        passing[passed] = row;
        passingSimilarity[passed++] = similarity;
      }
    }
    return selectTopK(passing, passingSimilarity, passed, k);
  }

  /** dot[row] = Σ query[c] · matrix[row, c] for every row the query reaches; returns how many. */
  private accumulate(columns: Int32Array, values: Float32Array, start: number, end: number): number {
    const { dot, touched } = this;
    const { indptr, indices, values: indexValues } = this.index;
    let count = 0;
    for (let a = start; a < end; a++) {
      const column = columns[a];
      const weight = values[a];
      for (let b = indptr[column]; b < indptr[column + 1]; b++) {
        const row = indices[b];
        if (dot[row] === 0) touched[count++] = row;
        dot[row] += weight * indexValues[b];
      }
    }
    return count;
  }
}

/**
 * Top-k cosine neighbours of every row of `rows` among those same rows, as a rows × rows CSR.
 * `index` is the inverted index of `rows` (its transpose, possibly down-sampled) and `norms`
 * the full row norms.
 */
export function cosineNeighbours(rows: Csr, index: Csr, norms: Float64Array, options: NeighbourOptions): Csr {
  return neighbourRows(rows, index, norms, options, 0, rows.rows);
}

/**
 * The neighbours of rows `[from, to)` of `rows`, as a (to − from) × rows CSR. Each row's search is
 * independent of the others, so ranges can run on different threads (row-split.ts) and be
 * concatenated with `concatRows` into exactly what one pass gives.
 */
export function neighbourRows(
  rows: Csr,
  index: Csr,
  norms: Float64Array,
  options: NeighbourOptions,
  from: number,
  to: number,
): Csr {
  const search = new NeighbourSearch(index, norms, options);
  const indptr = new Int32Array(to - from + 1);
  let indices = new Int32Array(Math.min((to - from) * options.k, 1 << 20));
  let values = new Float32Array(indices.length);
  let size = 0;
  for (let r = from; r < to; r++) {
    const found = search.find(rows.indices, rows.values, rows.indptr[r], rows.indptr[r + 1], norms[r], r);
    if (size + found.indices.length > indices.length) {
      const capacity = Math.max(indices.length * 2, size + found.indices.length);
      indices = grow(indices, new Int32Array(capacity));
      values = grow(values, new Float32Array(capacity));
    }
    indices.set(found.indices, size);
    values.set(found.similarities, size);
    size += found.indices.length;
    indptr[r - from + 1] = size;
  }
  return { rows: to - from, cols: rows.rows, indptr, indices: indices.slice(0, size), values: values.slice(0, size) };
}

/** Stacks CSR row blocks with the same columns, in order, into one matrix. */
export function concatRows(parts: Csr[], cols: number): Csr {
  const rows = parts.reduce((sum, part) => sum + part.rows, 0);
  const size = parts.reduce((sum, part) => sum + part.indices.length, 0);
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(size);
  const values = new Float32Array(size);
  let row = 0;
  let offset = 0;
  for (const part of parts) {
    for (let r = 1; r <= part.rows; r++) indptr[row + r] = offset + part.indptr[r];
    indices.set(part.indices, offset);
    values.set(part.values, offset);
    row += part.rows;
    offset += part.indices.length;
  }
  return { rows, cols, indptr, indices, values };
}

function grow<T extends Int32Array | Float32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
