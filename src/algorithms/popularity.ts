import { transpose } from './sparse';
import { addScore, float32Array, knownFeatures, packCsr, readNonNegative, unpackCsr } from './similarity';
import { DataShape, defaultsOf, FEATURE_CELLS_PER_ITEM, ParamSchema } from './params';
import {
  Algorithm,
  AlgorithmParams,
  Evidence,
  Judge,
  Learned,
  ModelArtifact,
  Recommender,
  TrainingData,
  UserProfile,
} from './types';

const SECONDS_PER_DAY = 86_400;

/** The half-lives a run chooses among, in days; 0 is none (all-time popularity). */
const HALF_LIVES_LEARNED = [0, 3, 14, 60, 365] as const;

const PARAMS: ParamSchema = {
  half_life_days: {
    type: 'number',
    min: 0,
    max: 3650,
    default: 7,
    meaning: 'an event counts half as much after this many days; 0: no decay, every event counts in full',
  },
  learn_half_life: {
    type: 'boolean',
    default: true,
    meaning: `choose half_life_days at every run on the validation split, among its value and ${HALF_LIVES_LEARNED.join(', ')} days (0: none)`,
  },
  preference_boost: {
    type: 'number',
    min: 0,
    max: 100,
    default: 0.5,
    meaning: "raise by this × the share of the user's declared features the item has",
  },
};
const DEFAULTS = defaultsOf(PARAMS);

/**
 * Time-decayed popularity: every positive event adds its weight, halved per `half_life_days` of
 * age (never, at 0; the half-life is chosen on validation at every run unless `learn_half_life` is false). The serving score is that sum divided by the catalogue maximum, so in [0, 1], then raised
 * by `preference_boost` × the fraction of the user's declared features the item has: the cold-start
 * path, popularity shaped by declared preferences (the caller restricts items to the user's city).
 */
export const popularity: Algorithm = {
  name: 'popularity',
  params: PARAMS,
  defaults: DEFAULTS,

  /**
   * Decay sums (8 B) and scores (4 B) per item while training, then twice (artifact and encoded
   * bundle) the scores and the feature → items index: 12·I + 2·(4·I + 12·FEATURE_CELLS_PER_ITEM·I).
   */
  estimateBytes({ items }: DataShape): number {
    return 12 * items + 2 * (4 * items + 12 * FEATURE_CELLS_PER_ITEM * items);
  },

  train(data: TrainingData, params: AlgorithmParams): ModelArtifact {
    const merged = { ...DEFAULTS, ...params };
    const halfLifeDays = readNonNegative(merged, 'half_life_days');
    readNonNegative(merged, 'preference_boost');
    return {
      algorithm: 'popularity',
      params: merged,
      numUsers: data.numUsers,
      numItems: data.numItems,
      arrays: {
        popularity: normalisedPopularity(data, halfLifeDays * SECONDS_PER_DAY),
        ...packCsr('featureItems', transpose(data.itemFeatures)),
      },
      meta: {},
    };
  },

  /**
   * The half-life that ranks the validation users' next items best: on data where recency does
   * not matter that is none, on an events catalogue a trending list. Ties keep the earlier.
   */
  learn(train: TrainingData, params: AlgorithmParams, judge: Judge): Learned | undefined {
    const merged = { ...DEFAULTS, ...params };
    if (merged.learn_half_life !== true) return undefined;
    const candidates = [...new Set([readNonNegative(merged, 'half_life_days'), ...HALF_LIVES_LEARNED])].map(
      (halfLifeDays) => ({ ...merged, half_life_days: halfLifeDays, learn_half_life: false }),
    );
    const scores = judge(candidates.map((candidate) => popularity.load(popularity.train(train, candidate))));
    const best = scores.indexOf(Math.max(...scores));
    return {
      params: candidates[best],
      trials: candidates.map((candidate, k) => ({ params: candidate, ndcg_at_10: scores[k] })),
    };
  },

  load(artifact: ModelArtifact): Recommender {
    const boost = readNonNegative({ ...DEFAULTS, ...artifact.params }, 'preference_boost');
    const scoreOf = float32Array(artifact.arrays, 'popularity');
    const featureItems = unpackCsr(artifact.arrays, 'featureItems', artifact.numItems);
    return {
      algorithm: 'popularity',
      score(profile: UserProfile, scores: Float32Array): void {
        for (let item = 0; item < scoreOf.length; item++) {
          if (scoreOf[item] > 0) scores[item] = scoreOf[item];
        }
        const declared = knownFeatures(profile.declaredFeatures, featureItems.rows);
        // score × (1 + boost × matched / declared), added one matched feature at a time.
        for (const feature of declared) {
          for (let k = featureItems.indptr[feature]; k < featureItems.indptr[feature + 1]; k++) {
            const item = featureItems.indices[k];
            if (scoreOf[item] > 0) addScore(scores, item, (scoreOf[item] * boost) / declared.size);
          }
        }
      },
      explain(profile: UserProfile): Evidence {
        return { kind: 'popular', city: profile.cityIndex };
      },
    };
  },
};

function normalisedPopularity(data: TrainingData, halfLifeSeconds: number): Float32Array {
  const { item, weight, time } = data.events;
  const decayed = new Float64Array(data.numItems);
  const decayPerSecond = halfLifeSeconds > 0 ? Math.LN2 / halfLifeSeconds : 0;
  for (let e = 0; e < item.length; e++) {
    if (weight[e] <= 0) continue;
    // Events stamped after the reference time (clock skew) count as fresh, never as more than fresh.
    const age = Math.max(0, data.referenceTime - time[e]);
    decayed[item[e]] += weight[e] * Math.exp(-age * decayPerSecond);
  }
  let max = 0;
  for (const value of decayed) max = Math.max(max, value);
  const normalised = new Float32Array(data.numItems);
  if (max > 0) for (let i = 0; i < decayed.length; i++) normalised[i] = decayed[i] / max;
  return normalised;
}
