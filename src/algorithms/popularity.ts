import { transpose } from './sparse';
import { addScore, float32Array, knownFeatures, packCsr, readNonNegative, readNumber, unpackCsr } from './similarity';
import { DataShape, defaultsOf, FEATURE_CELLS_PER_ITEM, ParamSchema } from './params';
import { Algorithm, AlgorithmParams, Evidence, ModelArtifact, Recommender, TrainingData, UserProfile } from './types';

const SECONDS_PER_DAY = 86_400;

const PARAMS: ParamSchema = {
  half_life_days: {
    type: 'number',
    min: 0.01,
    max: 3650,
    default: 7,
    meaning: 'an event counts half as much after this many days',
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
 * age. The serving score is that sum divided by the catalogue maximum, so in [0, 1], then raised
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
    const halfLifeDays = readNumber(merged, 'half_life_days');
    if (halfLifeDays <= 0) throw new RangeError(`parameter "half_life_days" must be positive, got ${halfLifeDays}`);
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
  const decayPerSecond = Math.LN2 / halfLifeSeconds;
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
