import { cosineNeighboursSplit } from './parallel-fit';
import { inShared, sharedCsr } from './row-split';
import { preferenceMatrix, transpose } from './sparse';
import {
  History,
  NeighbourOptions,
  NeighbourSearch,
  Neighbours,
  addScore,
  csrValue,
  float32Array,
  packCsr,
  positiveHistory,
  readCount,
  readNumber,
  rowNorms,
  unpackCsr,
  vectorNorm,
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
    atMostThe: 'users',
    default: 50,
    meaning: 'most similar users kept per user',
  },
  min_similarity: {
    type: 'number',
    min: -1,
    max: 1,
    default: 0.1,
    meaning:
      'users less similar (cosine) than this are not neighbours (MIN_SIMILARITY_SCORE sets it for scheduled runs)',
  },
  max_item_users: {
    type: 'integer',
    min: 1,
    max: 10000,
    atMostThe: 'users',
    default: 200,
    meaning: "an item's audience sampled when looking for neighbours",
  },
};
const DEFAULTS = defaultsOf(PARAMS);

/** Relative tolerance when comparing a profile's weights with the float32 training sums. */
const WEIGHT_TOLERANCE = 1e-4;

/**
 * User-based collaborative filtering: cosine similarity between users' preference rows, top
 * `neighbours` per user (at least `min_similarity`) kept at training time. A user's score for
 * item i is Σ over neighbours v of sim(u, v) · r(v, i).
 *
 * Neighbours are found through the item → users index, in which an item keeps at most
 * `max_item_users` users (an even sample of them). That bounds the work a very popular item
 * causes (otherwise quadratic in its audience, at training and per request) and damps the weight
 * of popular items in similarity, much like inverse user frequency.
 */
export const collaborativeFiltering: Algorithm = {
  name: 'collaborative_filtering',
  params: PARAMS,
  defaults: DEFAULTS,
  tuning: { neighbours: [20, 50, 100, 200], min_similarity: [0, 0.05, 0.1] },

  /**
   * The preference matrix, stored and copied into the bundle, 2·csr(U, E); its transpose,
   * csr(I, E); the sampled item → users index s = min(E, I · max_item_users), stored and copied,
   * 2·csr(I, s); norms and scratch, 24 B per user; neighbours, 8 B per kept neighbour
   * k' = min(neighbours, U), three times while the buffer grows plus the bundle's copy: 32·U·k'.
   */
  estimateBytes({ users, items, events }: DataShape, params: AlgorithmParams): number {
    const kept = Math.min(numberParam(params, 'neighbours'), users);
    const sampled = Math.min(events, items * numberParam(params, 'max_item_users'));
    return (
      2 * csrBytes(users, events) +
      csrBytes(items, events) +
      2 * csrBytes(items, sampled) +
      24 * users +
      32 * users * kept
    );
  },

  train(data: TrainingData, params: AlgorithmParams): ModelArtifact {
    const merged = { ...DEFAULTS, ...params };
    const prefs = preferenceMatrix(data.events, data.numUsers, data.numItems);
    const norms = rowNorms(prefs);
    const itemUsers = sampleRows(transpose(prefs), readCount(merged, 'max_item_users'));
    // Split over TRAINING_THREADS: the searched arrays go to shared memory for the helpers (copies when split).
    const neighbours = cosineNeighboursSplit(
      sharedCsr(prefs),
      sharedCsr(itemUsers),
      inShared(norms),
      neighbourOptions(merged),
    );
    return {
      algorithm: 'collaborative_filtering',
      params: merged,
      numUsers: data.numUsers,
      numItems: data.numItems,
      arrays: {
        ...packCsr('prefs', prefs),
        ...packCsr('neighbours', neighbours),
        ...packCsr('itemUsers', itemUsers),
        userNorms: Float32Array.from(norms),
      },
      meta: {},
    };
  },

  load(artifact: ModelArtifact): Recommender {
    const { arrays } = artifact;
    const prefs = unpackCsr(arrays, 'prefs', artifact.numItems);
    const stored = unpackCsr(arrays, 'neighbours', artifact.numUsers);
    const itemUsers = unpackCsr(arrays, 'itemUsers', artifact.numUsers);
    const userNorms = float32Array(arrays, 'userNorms');
    const options = neighbourOptions({ ...DEFAULTS, ...artifact.params });
    // Its scratch arrays take O(users) memory, so it is made on the first request that needs it.
    let search: NeighbourSearch | undefined;

    const neighboursOf = (profile: UserProfile): Neighbours => {
      const history = positiveHistory(profile, prefs.cols);
      const user = profile.userIndex;
      if (user >= 0 && user < prefs.rows && matchesStoredRow(prefs, user, history)) return csrRow(stored, user);
      if (history.items.length === 0) return { indices: new Int32Array(0), similarities: new Float32Array(0) };
      search ??= new NeighbourSearch(itemUsers, userNorms, options);
      return search.find(history.items, history.weights, 0, history.items.length, vectorNorm(history.weights), user);
    };

    return {
      algorithm: 'collaborative_filtering',
      score(profile: UserProfile, scores: Float32Array): void {
        const { indices, similarities } = neighboursOf(profile);
        for (let t = 0; t < indices.length; t++) {
          const neighbour = indices[t];
          for (let k = prefs.indptr[neighbour]; k < prefs.indptr[neighbour + 1]; k++) {
            addScore(scores, prefs.indices[k], similarities[t] * prefs.values[k]);
          }
        }
      },
      explain(): Evidence {
        return { kind: 'similar_users' };
      },
    };
  },
};

function neighbourOptions(params: AlgorithmParams): NeighbourOptions {
  return { k: readCount(params, 'neighbours'), minSimilarity: readNumber(params, 'min_similarity'), shrinkage: 0 };
}

/** Whether the profile's history is still the one the user's neighbours were computed from. */
function matchesStoredRow(prefs: Csr, user: number, history: History): boolean {
  if (prefs.indptr[user + 1] - prefs.indptr[user] !== history.items.length) return false;
  for (let t = 0; t < history.items.length; t++) {
    const trained = csrValue(prefs, user, history.items[t]);
    if (Math.abs(trained - history.weights[t]) > WEIGHT_TOLERANCE * Math.max(1, trained)) return false;
  }
  return true;
}

function csrRow(m: Csr, row: number): Neighbours {
  const start = m.indptr[row];
  const end = m.indptr[row + 1];
  return { indices: m.indices.subarray(start, end), similarities: m.values.subarray(start, end) };
}

/** Keeps at most `max` entries per row, evenly spaced over the row (deterministic, in column order). */
function sampleRows(m: Csr, max: number): Csr {
  const indptr = new Int32Array(m.rows + 1);
  for (let r = 0; r < m.rows; r++) indptr[r + 1] = indptr[r] + Math.min(max, m.indptr[r + 1] - m.indptr[r]);
  const indices = new Int32Array(indptr[m.rows]);
  const values = new Float32Array(indptr[m.rows]);
  for (let r = 0; r < m.rows; r++) {
    const start = m.indptr[r];
    const length = m.indptr[r + 1] - start;
    const kept = indptr[r + 1] - indptr[r];
    for (let s = 0; s < kept; s++) {
      const from = start + Math.floor((s * length) / kept);
      indices[indptr[r] + s] = m.indices[from];
      values[indptr[r] + s] = m.values[from];
    }
  }
  return { rows: m.rows, cols: m.cols, indptr, indices, values };
}
