import { CgWorkspace, ImplicitSystem, conjugateGradient, dotRow, regularisedGram } from './als-solver';
import { solveRowsSplit } from './parallel-fit';
import { inShared, sharedCsr, unshared } from './row-split';
import { Mt19937 } from './mt19937';
import { float32Array, positiveHistory, readCount, readNonNegative, readNumber } from './similarity';
import { preferenceMatrix, transpose } from './sparse';
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

/**
 * regularization and alpha chosen on a validation split carved from ML-100K's MS Recommenders
 * training rows (README Accuracy; the test rows took no part): NDCG@10 there 0.219, 0.235, 0.281,
 * 0.244 at λ 5, 10, 25, 50 (alpha 2, every rating weighing the same), and 0.269, 0.281, 0.257 at alpha 1, 2, 5 (λ 25). λ is
 * absolute, not per interaction, so much denser data may want it retuned (`tune: true`).
 */
const PARAMS: ParamSchema = {
  factors: {
    type: 'integer',
    min: 1,
    max: 512,
    atMostThe: 'items',
    default: 64,
    meaning: 'latent dimensions per user and item',
  },
  iterations: {
    type: 'integer',
    min: 1,
    max: 100,
    default: 10,
    meaning: 'alternating least-squares sweeps (time grows linearly)',
  },
  regularization: {
    type: 'number',
    min: 0,
    max: 100000,
    default: 25,
    meaning: 'L2 penalty λ on the factors (absolute, not per interaction)',
  },
  alpha: { type: 'number', min: 0, max: 1000, default: 2, meaning: 'confidence is 1 + alpha · summed weight' },
  seed: { type: 'integer', min: 0, max: 4294967295, default: 42, meaning: 'seed of the initial factors' },
  cg_steps: { type: 'integer', min: 1, max: 32, default: 3, meaning: 'conjugate-gradient steps per row and sweep' },
};
const DEFAULTS = defaultsOf(PARAMS);

/** Initial factors are uniform in [0, INIT_SCALE), as in `implicit`: small, so the first sweeps set the scale. */
const INIT_SCALE = 0.01;
/** Folding in a user the model has never seen starts from zero, so it needs more steps than a warm start. */
const COLD_FOLD_IN_STEPS = 8;

interface Settings {
  factors: number;
  iterations: number;
  regularization: number;
  alpha: number;
  seed: number;
  cgSteps: number;
}

/**
 * Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren & Volinsky 2008),
 * each half-step solved per row by warm-started conjugate gradient (Takács et al. 2011, as in
 * `implicit`). Preference is 1 on the positive cells of the preference matrix, confidence is
 * 1 + alpha · summed weight. Users whose history changed since training, or who are new, are
 * folded in against the item factors at serving time.
 */
export const matrixFactorization: Algorithm = {
  name: 'matrix_factorization',
  params: PARAMS,
  defaults: DEFAULTS,
  tuning: { regularization: [5, 10, 25, 50, 100], alpha: [1, 2, 5, 10], factors: [32, 64, 128] },

  /**
   * The preference matrix and its transpose, csr(U, E) + csr(I, E); user and item factors,
   * 4·f·(U + I), three times: the evaluation fit's (not yet collected when the final fit
   * allocates), the final fit's and the bundle's copy; three f × f float64 Gram matrices and the
   * stored float32 one with its copy, 32·f²; history fingerprints and their copy, 16 B per user.
   */
  estimateBytes({ users, items, events }: DataShape, params: AlgorithmParams): number {
    const f = numberParam(params, 'factors');
    return csrBytes(users, events) + csrBytes(items, events) + 12 * f * (users + items) + 32 * f * f + 16 * users;
  },

  train(data: TrainingData, params: AlgorithmParams): ModelArtifact {
    const merged = { ...DEFAULTS, ...params };
    const settings = readSettings(merged);
    const prefs = preferenceMatrix(data.events, data.numUsers, data.numItems);
    const { userFactors, itemFactors } = fitFactors(prefs, settings);
    const gram = regularisedGram(itemFactors, data.numItems, settings.factors, settings.regularization);
    return {
      algorithm: 'matrix_factorization',
      params: merged,
      numUsers: data.numUsers,
      numItems: data.numItems,
      arrays: {
        userFactors,
        itemFactors,
        itemGram: Float32Array.from(gram),
        historyFingerprint: historyFingerprints(prefs),
      },
      meta: {},
    };
  },

  load(artifact: ModelArtifact): Recommender {
    return new FactorRecommender(artifact);
  },
};

function readSettings(params: AlgorithmParams): Settings {
  return {
    factors: readCount(params, 'factors'),
    iterations: readCount(params, 'iterations'),
    regularization: readNonNegative(params, 'regularization'),
    alpha: readNonNegative(params, 'alpha'),
    seed: readNumber(params, 'seed'),
    cgSteps: readCount(params, 'cg_steps'),
  };
}

function fitFactors(prefs: Csr, s: Settings): { userFactors: Float32Array; itemFactors: Float32Array } {
  const random = new Mt19937(s.seed);
  const initial = (rows: number) =>
    Float32Array.from({ length: rows * s.factors }, () => random.nextDouble() * INIT_SCALE);
  // Shared memory when the half-steps are split over TRAINING_THREADS; the same arrays otherwise.
  const userFactors = inShared(initial(prefs.rows));
  const itemFactors = inShared(initial(prefs.cols));
  const byUser = sharedCsr(prefs);
  const byItem = sharedCsr(transpose(prefs));
  const against = (fixed: Float32Array, rows: number): ImplicitSystem => ({
    fixed,
    gram: regularisedGram(fixed, rows, s.factors, s.regularization),
    factors: s.factors,
    alpha: s.alpha,
  });
  for (let iteration = 0; iteration < s.iterations; iteration++) {
    solveRowsSplit(byUser, userFactors, against(itemFactors, prefs.cols), s.cgSteps);
    solveRowsSplit(byItem, itemFactors, against(userFactors, prefs.rows), s.cgSteps);
  }
  return { userFactors: unshared(userFactors), itemFactors: unshared(itemFactors) };
}

/**
 * A cheap order-independent digest of a history (Σ weight · a fixed pseudo-random per-item factor),
 * so serving can tell whether a known user's history is still the one their factors were fitted to.
 */
function fingerprint(items: Int32Array, weights: Float32Array, start: number, end: number): number {
  let sum = 0;
  for (let k = start; k < end; k++) {
    const spread = (items[k] * 0.6180339887498949) % 1;
    sum += weights[k] * (1 + spread);
  }
  return sum;
}

function historyFingerprints(prefs: Csr): Float64Array {
  const out = new Float64Array(prefs.rows);
  for (let u = 0; u < prefs.rows; u++)
    out[u] = fingerprint(prefs.indices, prefs.values, prefs.indptr[u], prefs.indptr[u + 1]);
  return out;
}

function nonZeroRows(m: Float32Array, rows: number, cols: number): Int32Array {
  const found: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (m[r * cols + c] !== 0) {
        found.push(r);
        break;
      }
    }
  }
  return Int32Array.from(found);
}

class FactorRecommender implements Recommender {
  readonly algorithm = 'matrix_factorization';
  private readonly factors: number;
  private readonly cgSteps: number;
  private readonly numUsers: number;
  private readonly numItems: number;
  private readonly userFactors: Float32Array;
  private readonly itemFactors: Float32Array;
  /** Items nobody had positive feedback on train to zero factors: the model knows nothing about them. */
  private readonly itemsWithFactors: Int32Array;
  private readonly fingerprints: Float64Array;
  private readonly system: ImplicitSystem;

  constructor(artifact: ModelArtifact) {
    const settings = readSettings({ ...DEFAULTS, ...artifact.params });
    const fingerprints = artifact.arrays.historyFingerprint;
    if (!(fingerprints instanceof Float64Array))
      throw new TypeError('artifact array "historyFingerprint" is missing or not a Float64Array');
    this.factors = settings.factors;
    this.cgSteps = settings.cgSteps;
    this.numUsers = artifact.numUsers;
    this.numItems = artifact.numItems;
    this.userFactors = float32Array(artifact.arrays, 'userFactors');
    this.itemFactors = float32Array(artifact.arrays, 'itemFactors');
    this.itemsWithFactors = nonZeroRows(this.itemFactors, artifact.numItems, settings.factors);
    this.fingerprints = fingerprints;
    const gram = Float64Array.from(float32Array(artifact.arrays, 'itemGram'));
    this.system = { fixed: this.itemFactors, gram, factors: settings.factors, alpha: settings.alpha };
  }

  score(profile: UserProfile, scores: Float32Array): void {
    const taste = this.userVector(profile);
    if (!taste) return;
    const f = this.factors;
    for (let k = 0; k < this.itemsWithFactors.length; k++) {
      const item = this.itemsWithFactors[k];
      scores[item] = dotRow(this.itemFactors, item * f, taste, f);
    }
  }

  /** The history item closest to `item` in factor space, never `item` itself (a clicked item may come back). */
  explain(profile: UserProfile, item: number): Evidence {
    const history = positiveHistory(profile, this.numItems);
    let best = -1;
    let bestSimilarity = -Infinity;
    for (const candidate of history.items) {
      if (candidate === item) continue;
      const similarity = this.cosine(candidate, item);
      if (similarity > bestSimilarity) {
        best = candidate;
        bestSimilarity = similarity;
      }
    }
    return best < 0 ? { kind: 'taste' } : { kind: 'similar_item', item: best };
  }

  /**
   * The user's factors: the trained ones while the history is the one they were fitted to,
   * otherwise folded in against the item factors (warm-started from the trained ones when known).
   * Undefined when the model has no evidence about the user.
   */
  private userVector(profile: UserProfile): Float64Array | undefined {
    const history = positiveHistory(profile, this.numItems);
    const count = history.items.length;
    if (count === 0) return undefined;
    const f = this.factors;
    const ws = new CgWorkspace(f);
    const user = profile.userIndex;
    const known = user >= 0 && user < this.numUsers;
    if (known) {
      ws.x.set(this.userFactors.subarray(user * f, (user + 1) * f));
      const trained = this.fingerprints[user];
      const current = fingerprint(history.items, history.weights, 0, count);
      if (Math.abs(current - trained) <= 1e-5 * Math.max(1, trained)) return ws.x;
    }
    const steps = known ? this.cgSteps : Math.max(this.cgSteps, COLD_FOLD_IN_STEPS);
    conjugateGradient(this.system, history.items, history.weights, 0, count, steps, ws);
    return ws.x;
  }

  private cosine(a: number, b: number): number {
    const f = this.factors;
    const y = this.itemFactors;
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let k = 0; k < f; k++) {
      ab += y[a * f + k] * y[b * f + k];
      aa += y[a * f + k] * y[a * f + k];
      bb += y[b * f + k] * y[b * f + k];
    }
    return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : -Infinity;
  }
}
