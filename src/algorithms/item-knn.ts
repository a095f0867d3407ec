import { cosineNeighboursSplit } from './parallel-fit';
import { inShared, sharedCsr } from './row-split';
import { preferenceMatrix, transpose } from './sparse';
import {
  addScore,
  csrValue,
  History,
  lastOnly,
  positiveHistory,
  packCsr,
  readCount,
  readNonNegative,
  readNumber,
  rowNorms,
  unpackCsr,
} from './similarity';
import { csrBytes, DataShape, defaultsOf, numberParam, ParamSchema } from './params';
import {
  Algorithm,
  AlgorithmParams,
  Csr,
  Evidence,
  ModelArtifact,
  Recommender,
  TrainingData,
  UserProfile,
} from './types';

const PARAMS: ParamSchema = {
  neighbours: {
    type: 'integer',
    min: 1,
    max: 1000,
    atMostThe: 'items',
    default: 100,
    meaning: 'most similar items kept per item',
  },
  min_similarity: {
    type: 'number',
    min: -1,
    max: 1,
    default: 0,
    meaning: 'items less similar (cosine) than this are not neighbours',
  },
  shrinkage: {
    type: 'number',
    min: 0,
    max: 1000,
    default: 0,
    meaning: 'damps similarities resting on few common users: sim · n / (n + shrinkage)',
  },
};
const DEFAULTS = defaultsOf(PARAMS);

export interface SimilarItem {
  item: number;
  similarity: number;
}

/** What a recommender offers the "you may also like" endpoint, besides scoring users. */
export interface ItemSimilarity {
  /** Up to `k` items most similar to `item`, best first, ties to the lower index. */
  similarItems(item: number, k: number): SimilarItem[];
}

/**
 * Item-based collaborative filtering: cosine similarity between item columns of the preference
 * matrix, top `neighbours` per item kept at training time. A user's score for item i is
 * Σ over history items j of weight_j · sim(j, i).
 */
export const itemKnn: Algorithm = {
  name: 'item_knn',
  params: PARAMS,
  defaults: DEFAULTS,
  tuning: { neighbours: [20, 50, 100, 200], shrinkage: [0, 10, 50] },

  /**
   * The preference matrix and its transpose, csr(U, E) + csr(I, E); norms and search scratch,
   * 20 B per item; the similarities, 8 B per kept neighbour k' = min(neighbours, I), up to three
   * times while the buffer doubles and is trimmed, plus the bundle's copy: 32·I·k'.
   */
  estimateBytes({ users, items, events }: DataShape, params: AlgorithmParams): number {
    const kept = Math.min(numberParam(params, 'neighbours'), items);
    return csrBytes(users, events) + csrBytes(items, events) + 20 * items + 32 * items * kept;
  },

  train(data: TrainingData, params: AlgorithmParams): ModelArtifact {
    const merged = { ...DEFAULTS, ...params };
    const prefs = preferenceMatrix(data.events, data.numUsers, data.numItems);
    const itemUsers = transpose(prefs);
    // Row by row: item i meets only the items its users also have, through the user → items rows.
    // Split over TRAINING_THREADS: the searched arrays go to shared memory for the helpers (copies when split).
    const similar = cosineNeighboursSplit(sharedCsr(itemUsers), sharedCsr(prefs), inShared(rowNorms(itemUsers)), {
      k: readCount(merged, 'neighbours'),
      minSimilarity: readNumber(merged, 'min_similarity'),
      shrinkage: readNonNegative(merged, 'shrinkage'),
    });
    return {
      algorithm: 'item_knn',
      params: merged,
      numUsers: data.numUsers,
      numItems: data.numItems,
      arrays: packCsr('similar', similar),
      meta: {},
    };
  },

  load(artifact: ModelArtifact): Recommender & ItemSimilarity {
    const similar = unpackCsr(artifact.arrays, 'similar', artifact.numItems);
    const historyOf = lastOnly((profile: UserProfile) => positiveHistory(profile, similar.rows));
    return {
      algorithm: 'item_knn',
      score(profile: UserProfile, scores: Float32Array): void {
        const history = historyOf(profile);
        for (let t = 0; t < history.items.length; t++) {
          const from = history.items[t];
          for (let k = similar.indptr[from]; k < similar.indptr[from + 1]; k++) {
            addScore(scores, similar.indices[k], history.weights[t] * similar.values[k]);
          }
        }
      },
      explain(profile: UserProfile, item: number): Evidence {
        const source = strongestSource(similar, historyOf(profile), item);
        // Only an item no history item reaches gets here; the caller asks about scored items.
        return source < 0 ? { kind: 'taste' } : { kind: 'similar_item', item: source };
      },
      similarItems(item: number, k: number): SimilarItem[] {
        return mostSimilar(similar, item, k);
      },
    };
  },
};

/**
 * The items most similar to `item` under a model that knows item similarity (item_knn, or a
 * hybrid built on it); undefined when the recommender has no such notion.
 */
export function similarItems(recommender: Recommender, item: number, k: number): SimilarItem[] | undefined {
  return hasItemSimilarity(recommender) ? recommender.similarItems(item, k) : undefined;
}

export function hasItemSimilarity(recommender: Recommender): recommender is Recommender & ItemSimilarity {
  return 'similarItems' in recommender && typeof recommender.similarItems === 'function';
}

/** The history item contributing most to `item`'s score, or -1. */
function strongestSource(similar: Csr, history: History, item: number): number {
  let best = -1;
  let bestContribution = 0;
  for (let t = 0; t < history.items.length; t++) {
    const contribution = history.weights[t] * csrValue(similar, history.items[t], item);
    if (contribution > bestContribution) {
      best = history.items[t];
      bestContribution = contribution;
    }
  }
  return best;
}

function mostSimilar(similar: Csr, item: number, k: number): SimilarItem[] {
  if (item < 0 || item >= similar.rows) return [];
  const found: SimilarItem[] = [];
  for (let at = similar.indptr[item]; at < similar.indptr[item + 1]; at++) {
    found.push({ item: similar.indices[at], similarity: similar.values[at] });
  }
  return found.sort((a, b) => b.similarity - a.similarity || a.item - b.item).slice(0, Math.max(0, k));
}
