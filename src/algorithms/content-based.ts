import { transpose } from './sparse';
import {
  addScore,
  float32Array,
  knownFeatures,
  lastOnly,
  packCsr,
  positiveHistory,
  readNonNegative,
  unpackCsr,
} from './similarity';
import { DataShape, defaultsOf, FEATURE_CELLS_PER_ITEM, ParamSchema } from './params';
import {
  Algorithm,
  AlgorithmParams,
  Csr,
  Evidence,
  ModelArtifact,
  NewItemScorer,
  Recommender,
  TrainingData,
  UserProfile,
} from './types';

const PARAMS: ParamSchema = {
  declared_weight: {
    type: 'number',
    min: 0,
    max: 100,
    default: 1,
    meaning: "weight of the user's declared features against their history; 0 ignores them",
  },
};
const DEFAULTS = defaultsOf(PARAMS);

/**
 * Content-based filtering: items are L2-normalised TF-IDF vectors over their content features
 * (smoothed IDF, ln((1 + N) / (1 + df)) + 1, so a feature every item has still counts a little).
 * The user's taste is Σ weight × item vector over their positive history, plus `declared_weight`
 * × IDF for each declared feature; an item's score is the cosine between taste and item, which
 * reaches items nobody has interacted with yet — and items added after training, whose vectors
 * `encodeNewItems` builds with the trained IDF (a feature no trained item has gets the IDF of a
 * feature of none: it lowers the cosine as it would after retraining, but matches no taste).
 */
export const contentBased: Algorithm = {
  name: 'content_based',
  params: PARAMS,
  defaults: DEFAULTS,

  /**
   * The TF-IDF item vectors and their transpose, each a CSR of FEATURE_CELLS_PER_ITEM cells per
   * item at 12 B a cell, built once and copied once into the bundle: 4 · 12·FEATURE_CELLS_PER_ITEM·I.
   */
  estimateBytes({ items }: DataShape): number {
    return 4 * 12 * FEATURE_CELLS_PER_ITEM * items;
  },

  train(data: TrainingData, params: AlgorithmParams): ModelArtifact {
    const merged = { ...DEFAULTS, ...params };
    readNonNegative(merged, 'declared_weight');
    const idf = inverseDocumentFrequency(data.itemFeatures);
    const itemVectors = tfIdfVectors(data.itemFeatures, idf);
    return {
      algorithm: 'content_based',
      params: merged,
      numUsers: data.numUsers,
      numItems: data.numItems,
      arrays: {
        idf,
        ...packCsr('itemFeatures', itemVectors),
        ...packCsr('featureItems', transpose(itemVectors)),
      },
      meta: {},
    };
  },

  load(artifact: ModelArtifact): Recommender & NewItemScorer {
    const idf = float32Array(artifact.arrays, 'idf');
    const itemFeatures = unpackCsr(artifact.arrays, 'itemFeatures', idf.length);
    const featureItems = unpackCsr(artifact.arrays, 'featureItems', artifact.numItems);
    const declaredWeight = readNonNegative({ ...DEFAULTS, ...artifact.params }, 'declared_weight');

    // Memoised for the last profile: explain() asks about several items of the profile just scored.
    const tasteOf = lastOnly((profile: UserProfile): Map<number, number> => {
      const taste = new Map<number, number>();
      const history = positiveHistory(profile, itemFeatures.rows);
      for (let t = 0; t < history.items.length; t++) {
        const item = history.items[t];
        for (let k = itemFeatures.indptr[item]; k < itemFeatures.indptr[item + 1]; k++) {
          const feature = itemFeatures.indices[k];
          taste.set(feature, (taste.get(feature) ?? 0) + history.weights[t] * itemFeatures.values[k]);
        }
      }
      for (const feature of knownFeatures(profile.declaredFeatures, idf.length)) {
        taste.set(feature, (taste.get(feature) ?? 0) + declaredWeight * idf[feature]);
      }
      return taste;
    });

    const unseenIdf = Math.log(1 + artifact.numItems) + 1;

    return {
      algorithm: 'content_based',
      score(profile: UserProfile, scores: Float32Array): void {
        const taste = tasteOf(profile);
        const norm = normOf(taste);
        if (norm === 0) return;
        // Item vectors are unit length, so the cosine is Σ taste_f · x_if / |taste|.
        for (const [feature, weight] of taste) {
          if (weight <= 0) continue; // declared_weight 0: declared features switched off
          for (let k = featureItems.indptr[feature]; k < featureItems.indptr[feature + 1]; k++) {
            addScore(scores, featureItems.indices[k], (weight * featureItems.values[k]) / norm);
          }
        }
      },
      explain(profile: UserProfile, item: number): Evidence {
        const feature = strongestFeature(itemFeatures, tasteOf(profile), item);
        // Only an item sharing no feature with the taste gets here; the caller asks about scored items.
        return feature < 0 ? { kind: 'taste' } : { kind: 'feature', feature };
      },
      encodeNewItems(features: readonly Int32Array[]): Csr {
        return newItemVectors(features, idf, unseenIdf);
      },
      scoreNewItems(profile: UserProfile, items: Csr, scores: Float32Array): void {
        const taste = tasteOf(profile);
        const norm = normOf(taste);
        if (norm === 0) return;
        for (let row = 0; row < items.rows; row++) {
          let dot = 0;
          for (let k = items.indptr[row]; k < items.indptr[row + 1]; k++) {
            const weight = taste.get(items.indices[k]) ?? 0;
            if (weight > 0) dot += weight * items.values[k];
          }
          if (dot > 0) scores[row] = dot / norm;
        }
      },
      explainNewItem(profile: UserProfile, items: Csr, row: number): Evidence {
        const feature = strongestFeature(items, tasteOf(profile), row);
        return feature < 0 ? { kind: 'taste' } : { kind: 'feature', feature };
      },
    };
  },
};

function normOf(taste: Map<number, number>): number {
  return Math.sqrt([...taste.values()].reduce((sum, w) => sum + w * w, 0));
}

/** Unit TF-IDF rows over the known features; unknown ones (-1) count in the norm only. */
function newItemVectors(features: readonly Int32Array[], idf: Float32Array, unseenIdf: number): Csr {
  const indptr = new Int32Array(features.length + 1);
  const indices: number[] = [];
  const values: number[] = [];
  features.forEach((row, at) => {
    const known = [...new Set(row)].filter((f) => f >= 0 && f < idf.length).sort((a, b) => a - b);
    // The caller passes each distinct feature once, so every -1 is a different unseen feature.
    const unseen = row.filter((f) => f < 0 || f >= idf.length).length;
    const norm = Math.sqrt(known.reduce((sum, f) => sum + idf[f] * idf[f], 0) + unseen * unseenIdf * unseenIdf);
    for (const f of known) {
      indices.push(f);
      values.push(idf[f] / norm);
    }
    indptr[at + 1] = indices.length;
  });
  return {
    rows: features.length,
    cols: idf.length,
    indptr,
    indices: Int32Array.from(indices),
    values: Float32Array.from(values),
  };
}

function inverseDocumentFrequency(itemFeatures: Csr): Float32Array {
  const documentFrequency = new Int32Array(itemFeatures.cols);
  for (let k = 0; k < itemFeatures.indices.length; k++) {
    if (itemFeatures.values[k] > 0) documentFrequency[itemFeatures.indices[k]]++;
  }
  const idf = new Float32Array(itemFeatures.cols);
  for (let f = 0; f < idf.length; f++) idf[f] = Math.log((1 + itemFeatures.rows) / (1 + documentFrequency[f])) + 1;
  return idf;
}

/** Each item row scaled by IDF, then to unit length; non-positive entries dropped. */
function tfIdfVectors(itemFeatures: Csr, idf: Float32Array): Csr {
  const { rows, cols, indptr, indices, values } = itemFeatures;
  const outIndptr = new Int32Array(rows + 1);
  const outIndices = new Int32Array(indices.length);
  const outValues = new Float32Array(indices.length);
  let size = 0;
  for (let item = 0; item < rows; item++) {
    const start = size;
    let sumOfSquares = 0;
    for (let k = indptr[item]; k < indptr[item + 1]; k++) {
      if (values[k] <= 0) continue;
      const weight = values[k] * idf[indices[k]];
      outIndices[size] = indices[k];
      outValues[size++] = weight;
      sumOfSquares += weight * weight;
    }
    const norm = Math.sqrt(sumOfSquares);
    for (let k = start; k < size; k++) outValues[k] /= norm;
    outIndptr[item + 1] = size;
  }
  return { rows, cols, indptr: outIndptr, indices: outIndices.slice(0, size), values: outValues.slice(0, size) };
}

/** The feature of `item` contributing most to its cosine with the taste, or -1. */
function strongestFeature(itemFeatures: Csr, taste: Map<number, number>, item: number): number {
  if (item < 0 || item >= itemFeatures.rows) return -1;
  let best = -1;
  let bestContribution = 0;
  for (let k = itemFeatures.indptr[item]; k < itemFeatures.indptr[item + 1]; k++) {
    const contribution = (taste.get(itemFeatures.indices[k]) ?? 0) * itemFeatures.values[k];
    if (contribution > bestContribution) {
      best = itemFeatures.indices[k];
      bestContribution = contribution;
    }
  }
  return best;
}
