import { Csr } from '../algorithms/types';

/**
 * Top-k ranking metrics for one user with binary relevance, defined as Microsoft Recommenders'
 * `python_evaluation` defines them so our figures compare with its published tables.
 * `recommended` is best first; only its first k entries count. A user without relevant items
 * scores 0 everywhere (callers leave such users out of averages).
 */

export function hitsAtK(recommended: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  let hits = 0;
  for (let rank = 0; rank < Math.min(k, recommended.length); rank++) if (relevant.has(recommended[rank])) hits++;
  return hits;
}

/** Hits / k, also when fewer than k items were recommended. */
export function precisionAtK(recommended: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return k > 0 ? hitsAtK(recommended, relevant, k) / k : 0;
}

/** Hits / |relevant|. */
export function recallAtK(recommended: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return relevant.size > 0 ? hitsAtK(recommended, relevant, k) / relevant.size : 0;
}

/** DCG with gain 1/log2(rank + 1), over the ideal DCG of min(|relevant|, k) hits. */
export function ndcgAtK(recommended: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  let dcg = 0;
  for (let rank = 1; rank <= Math.min(k, recommended.length); rank++) {
    if (relevant.has(recommended[rank - 1])) dcg += 1 / Math.log2(rank + 1);
  }
  let idcg = 0;
  for (let rank = 1; rank <= Math.min(k, relevant.size); rank++) idcg += 1 / Math.log2(rank + 1);
  return idcg > 0 ? dcg / idcg : 0;
}

/** Σ over hits in the top k of (hits so far / rank): the numerator both AP variants share. */
function precisionSumAtK(recommended: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  let hits = 0;
  let sum = 0;
  for (let rank = 1; rank <= Math.min(k, recommended.length); rank++) {
    if (relevant.has(recommended[rank - 1])) sum += ++hits / rank;
  }
  return sum;
}

/**
 * Microsoft Recommenders' `map` per user: the precision sum over the top k divided by |relevant|,
 * so a user with more relevant items than k can never reach 1. This is what `map_at_10` means
 * in our API and evaluation reports.
 */
export function averagePrecisionMs(recommended: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  return relevant.size > 0 ? precisionSumAtK(recommended, relevant, k) / relevant.size : 0;
}

/** The textbook AP@k: the same sum divided by min(|relevant|, k), so a perfect top k scores 1. */
export function averagePrecisionAtK(recommended: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  const denominator = Math.min(relevant.size, k);
  return denominator > 0 ? precisionSumAtK(recommended, relevant, k) / denominator : 0;
}

/** Distinct items across all users' recommendation lists, over the catalogue size. */
export function catalogueCoverage(lists: Iterable<ArrayLike<number>>, numItems: number): number {
  const seen = new Set<number>();
  for (const list of lists) for (let r = 0; r < list.length; r++) seen.add(list[r]);
  return numItems > 0 ? seen.size / numItems : 0;
}

/**
 * Intra-list diversity: the mean, over every pair of items in the list, of 1 − the cosine of their
 * content feature vectors (rows of `itemFeatures`). 0 when every item is described alike, 1 when
 * no two share a feature; a list of fewer than two items scores 0. An item without features
 * counts as unlike every other.
 */
export function intraListDiversity(list: ArrayLike<number>, itemFeatures: Csr): number {
  const vectors = Array.from(list, (item) => featureVector(itemFeatures, item));
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < vectors.length; a++) {
    for (let b = a + 1; b < vectors.length; b++) {
      sum += 1 - cosine(vectors[a], vectors[b]);
      pairs++;
    }
  }
  return pairs > 0 ? sum / pairs : 0;
}

interface FeatureVector {
  values: Map<number, number>;
  norm: number;
}

function featureVector(m: Csr, row: number): FeatureVector {
  const values = new Map<number, number>();
  let squares = 0;
  if (row >= 0 && row < m.rows) {
    for (let k = m.indptr[row]; k < m.indptr[row + 1]; k++) {
      values.set(m.indices[k], m.values[k]);
      squares += m.values[k] * m.values[k];
    }
  }
  return { values, norm: Math.sqrt(squares) };
}

function cosine(a: FeatureVector, b: FeatureVector): number {
  if (a.norm === 0 || b.norm === 0) return 0;
  let dot = 0;
  for (const [feature, value] of a.values) dot += value * (b.values.get(feature) ?? 0);
  return dot / (a.norm * b.norm);
}
