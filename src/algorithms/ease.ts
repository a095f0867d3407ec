import { invertSpdInPlace } from './spd-inverse';
import {
  csrValue,
  float32Array,
  int32Array,
  packCsr,
  positiveHistory,
  readCount,
  readNonNegative,
  unpackCsr,
} from './similarity';
import { buildCsr, preferenceMatrix, topK } from './sparse';
import { csrBytes, DataShape, defaultsOf, numberParam, ParamSchema } from './params';
import {
  Algorithm,
  AlgorithmParams,
  Csr,
  Evidence,
  ModelArtifact,
  NumericArray,
  Recommender,
  TrainingData,
  UserProfile,
} from './types';

/**
 * λ chosen on a validation split carved from ML-100K's MS Recommenders training rows (README
 * Accuracy; the test rows took no part): NDCG@10 there 0.259, 0.269, 0.273, 0.275, 0.267 at λ 100,
 * 200, 400, 800, 1600. Like ALS's λ it is absolute, so much larger data may want more (`tune: true`).
 */
const PARAMS: ParamSchema = {
  lambda: { type: 'number', min: 0, max: 1000000, default: 800, meaning: 'L2 penalty on the item-item weights' },
  max_items: {
    type: 'integer',
    min: 1,
    max: 20000,
    default: 5000,
    meaning: 'most items with feedback it will invert for (O(n³) time, 8·n² bytes); more and the run fails',
  },
  dense_up_to: {
    type: 'integer',
    min: 0,
    max: 20000,
    default: 3000,
    meaning: 'keep the weights dense up to this many items, sparse above',
  },
  keep_top: {
    type: 'integer',
    min: 1,
    max: 1000,
    atMostThe: 'items',
    default: 200,
    meaning: 'weights kept per item when sparse',
  },
};
const DEFAULTS = defaultsOf(PARAMS);

/**
 * EASE (Steck 2019): the closed-form item-item model B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹,
 * diag(B) = 0, X the user × item preference matrix. Only items with positive feedback take part,
 * so `max_items` bounds those (the inverse is O(n³) time and O(n²) memory). B is kept dense up to
 * `dense_up_to` items, otherwise sparsified to the `keep_top` largest |B_ji| into each item i.
 */
export const ease: Algorithm = {
  name: 'ease',
  params: PARAMS,
  defaults: DEFAULTS,
  tuning: { lambda: [50, 100, 200, 400, 800, 1600] },

  /**
   * The preference matrix, csr(U, E), and item maps, 8 B per item; the n × n float64 inverse,
   * n = min(I, max_items): 8·n². Dense weights are float32, stored and copied into the bundle:
   * 8·n²; sparse ones keep k = min(keep_top, n) per item, collected in number arrays (24 B a
   * cell) and stored and copied as CSR (16 B): 40·n·k.
   */
  estimateBytes({ users, items, events }: DataShape, params: AlgorithmParams): number {
    const n = Math.min(items, numberParam(params, 'max_items'));
    const weights =
      n <= numberParam(params, 'dense_up_to') ? 8 * n * n : 40 * n * Math.min(numberParam(params, 'keep_top'), n);
    return csrBytes(users, events) + 8 * items + 8 * n * n + weights;
  },

  train(data: TrainingData, params: AlgorithmParams): ModelArtifact {
    const merged = { ...DEFAULTS, ...params };
    const lambda = readNonNegative(merged, 'lambda');
    const maxItems = readCount(merged, 'max_items');
    const prefs = preferenceMatrix(data.events, data.numUsers, data.numItems);
    const { itemOfColumn, columnOfItem } = activeItems(prefs);
    const n = itemOfColumn.length;
    if (n > maxItems) {
      throw new Error(
        `EASE needs a dense ${n} × ${n} inverse (O(n³) time, O(n²) memory), but max_items is ${maxItems}: ` +
          `raise max_items if the worker can afford it, or use item_knn or matrix_factorization`,
      );
    }
    const p = lowerGram(prefs, columnOfItem, n, lambda);
    invertSpdInPlace(p, n);
    const dense = n <= readNonNegative(merged, 'dense_up_to');
    const arrays: Record<string, NumericArray> = dense
      ? { weights: denseWeights(p, n) }
      : packCsr('weights', sparseWeights(p, n, readCount(merged, 'keep_top')));
    return {
      algorithm: 'ease',
      params: merged,
      numUsers: data.numUsers,
      numItems: data.numItems,
      arrays: { ...arrays, itemOfColumn },
      meta: { layout: dense ? 'dense' : 'sparse' },
    };
  },

  load(artifact: ModelArtifact): Recommender {
    return new EaseRecommender(artifact);
  },
};

/** Items with at least one positive cell, numbered densely in item order. */
function activeItems(prefs: Csr): { itemOfColumn: Int32Array; columnOfItem: Int32Array } {
  const columnOfItem = new Int32Array(prefs.cols).fill(-1);
  for (const item of prefs.indices) columnOfItem[item] = 0;
  const itemOfColumn: number[] = [];
  for (let item = 0; item < prefs.cols; item++) {
    if (columnOfItem[item] === 0) columnOfItem[item] = itemOfColumn.push(item) - 1;
  }
  return { itemOfColumn: Int32Array.from(itemOfColumn), columnOfItem };
}

/** The lower triangle of XᵀX + λI over the active columns, row-major n × n. */
function lowerGram(prefs: Csr, columnOfItem: Int32Array, n: number, lambda: number): Float64Array {
  const gram = new Float64Array(n * n);
  for (let u = 0; u < prefs.rows; u++) {
    const end = prefs.indptr[u + 1];
    for (let k = prefs.indptr[u]; k < end; k++) {
      // Columns ascend within a row, so the cells before k are the ones at or left of the diagonal.
      const row = columnOfItem[prefs.indices[k]] * n;
      const value = prefs.values[k];
      for (let l = prefs.indptr[u]; l <= k; l++) gram[row + columnOfItem[prefs.indices[l]]] += value * prefs.values[l];
    }
  }
  for (let c = 0; c < n; c++) gram[c * n + c] += lambda;
  return gram;
}

/** B_ji = −P_ji / P_ii for j ≠ i, read from P's lower triangle. */
function weight(p: Float64Array, n: number, j: number, i: number): number {
  if (i === j) return 0;
  return -(j > i ? p[j * n + i] : p[i * n + j]) / p[i * n + i];
}

/** B stored by source row: row j holds B_j· , what history item j adds to every item. */
function denseWeights(p: Float64Array, n: number): Float32Array {
  const b = new Float32Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) b[j * n + i] = weight(p, n, j, i);
  return b;
}

/** For each target item i, the `keep` sources j with the largest |B_ji|, stored by source row. */
function sparseWeights(p: Float64Array, n: number, keep: number): Csr {
  const sources: number[] = [];
  const targets: number[] = [];
  const values: number[] = [];
  const magnitude = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) magnitude[j] = j === i ? -Infinity : Math.abs(weight(p, n, j, i));
    for (const j of topK(magnitude, keep)) {
      sources.push(j);
      targets.push(i);
      values.push(weight(p, n, j, i));
    }
  }
  return buildCsr(n, n, Int32Array.from(sources), Int32Array.from(targets), Float32Array.from(values));
}

/** What one history item adds: its weight row (dense) or its stored entries (sparse). */
interface Contributions {
  addRow(column: number, scale: number, into: Float64Array): void;
  value(source: number, target: number): number;
}

function denseContributions(b: Float32Array, n: number): Contributions {
  return {
    addRow(column, scale, into) {
      for (let i = 0; i < n; i++) into[i] += scale * b[column * n + i];
    },
    value: (source, target) => b[source * n + target],
  };
}

function sparseContributions(b: Csr): Contributions {
  return {
    addRow(column, scale, into) {
      for (let k = b.indptr[column]; k < b.indptr[column + 1]; k++) into[b.indices[k]] += scale * b.values[k];
    },
    value: (source, target) => csrValue(b, source, target),
  };
}

class EaseRecommender implements Recommender {
  readonly algorithm = 'ease';
  private readonly numItems: number;
  private readonly itemOfColumn: Int32Array;
  private readonly columnOfItem: Int32Array;
  private readonly contributions: Contributions;

  constructor(artifact: ModelArtifact) {
    this.numItems = artifact.numItems;
    this.itemOfColumn = int32Array(artifact.arrays, 'itemOfColumn');
    this.columnOfItem = new Int32Array(artifact.numItems).fill(-1);
    this.itemOfColumn.forEach((item, column) => (this.columnOfItem[item] = column));
    const n = this.itemOfColumn.length;
    this.contributions =
      artifact.meta.layout === 'dense'
        ? denseContributions(float32Array(artifact.arrays, 'weights'), n)
        : sparseContributions(unpackCsr(artifact.arrays, 'weights', n));
  }

  /** score(i) = Σ_{j in history} w_j · B_ji, for the items the model covers. */
  score(profile: UserProfile, scores: Float32Array): void {
    const history = positiveHistory(profile, this.numItems);
    const sums = new Float64Array(this.itemOfColumn.length);
    let hasKnownItem = false;
    history.items.forEach((item, t) => {
      const column = this.columnOfItem[item];
      if (column < 0) return;
      this.contributions.addRow(column, history.weights[t], sums);
      hasKnownItem = true;
    });
    if (!hasKnownItem) return;
    this.itemOfColumn.forEach((item, column) => (scores[item] = sums[column]));
  }

  /** The history item with the largest contribution w_j · B_ji to the item. */
  explain(profile: UserProfile, item: number): Evidence {
    const history = positiveHistory(profile, this.numItems);
    const target = item >= 0 && item < this.numItems ? this.columnOfItem[item] : -1;
    let best = -1;
    let bestContribution = -Infinity;
    history.items.forEach((source, t) => {
      const column = this.columnOfItem[source];
      if (column < 0 || target < 0) return;
      const contribution = history.weights[t] * this.contributions.value(column, target);
      if (contribution > bestContribution) {
        best = source;
        bestContribution = contribution;
      }
    });
    return best < 0 ? { kind: 'taste' } : { kind: 'similar_item', item: best };
  }
}
