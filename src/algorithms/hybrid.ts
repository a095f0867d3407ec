import { contentBased } from './content-based';
import { ease } from './ease';
import { matrixFactorization } from './matrix-factorization';
import { ItemSimilarity, SimilarItem, hasItemSimilarity, itemKnn } from './item-knn';
import { popularity } from './popularity';
import { DataShape, defaultsOf, ParamSchema } from './params';
import { lastOnly, readNonNegative, readString } from './similarity';
import { collaborativeFiltering } from './user-knn';
import {
  ALGORITHMS,
  Algorithm,
  AlgorithmName,
  AlgorithmParams,
  Csr,
  Evidence,
  ModelArtifact,
  NewItemScorer,
  NumericArray,
  Recommender,
  scoresNewItems,
  TrainingData,
  UserProfile,
} from './types';

const COLLABORATIVE: Partial<Record<AlgorithmName, Algorithm>> = {
  item_knn: itemKnn,
  collaborative_filtering: collaborativeFiltering,
  matrix_factorization: matrixFactorization,
  ease,
};
const LOADABLE: Partial<Record<AlgorithmName, Algorithm>> = {
  ...COLLABORATIVE,
  content_based: contentBased,
  popularity,
};

const PARAMS: ParamSchema = {
  collaborative: {
    type: 'choice',
    choices: Object.keys(COLLABORATIVE),
    default: 'item_knn',
    meaning: 'the collaborative component; its params go in as cf.<name>',
  },
  collaborative_weight: {
    type: 'number',
    min: 0,
    max: 100,
    default: 0.6,
    meaning: 'weight of the collaborative scores (renormalised with content_weight)',
  },
  content_weight: {
    type: 'number',
    min: 0,
    max: 100,
    default: 0.4,
    meaning: "weight of the content-based scores; its params go in as content.<name>, popularity's as pop.<name>",
  },
};
const DEFAULTS = defaultsOf(PARAMS);

/** The sub-models; a component's arrays are stored under `<component>.`, its params under the same prefix. */
export type Component = 'cf' | 'content' | 'pop';
const COMPONENTS: readonly Component[] = ['cf', 'content', 'pop'];

/** What the hybrid artifact's meta records per component, besides its prefixed arrays. */
interface ComponentRecord {
  algorithm: AlgorithmName;
  params: AlgorithmParams;
  meta: Record<string, unknown>;
}

/**
 * How one profile's component scores combine: a component's score times its scale, which is its
 * renormalised weight over its highest score, or zero when the component scored nothing.
 */
interface Blend {
  cfScale: number;
  contentScale: number;
}

/**
 * Collaborative (`collaborative`: item_knn, collaborative_filtering, matrix_factorization or ease;
 * item_knn by default, the cheapest to serve) blended with content-based:
 * score = collaborative_weight · cf / max(cf) + content_weight · content / max(content), each
 * component normalised over the items it scored. Weights are renormalised over the components
 * that scored anything, so a user without collaborative signal gets content alone; a user whom
 * neither reaches gets popularity. Items added after training get their content part alone, on
 * the same scale. Sub-model params go in prefixed, e.g. `cf.neighbours`.
 */
export const hybrid: Algorithm = {
  name: 'hybrid',
  params: PARAMS,
  defaults: DEFAULTS,

  components: componentAlgorithms,

  /** The sum of its components' estimates: they train one after the other, but every artifact stays until the bundle is encoded. */
  estimateBytes(shape: DataShape, params: AlgorithmParams): number {
    return Object.entries(componentAlgorithms(params)).reduce(
      (sum, [component, algorithm]) =>
        sum +
        algorithm.estimateBytes(shape, { ...algorithm.defaults, ...componentParams(params, component as Component) }),
      0,
    );
  },

  train(data: TrainingData, params: AlgorithmParams): ModelArtifact {
    const merged = { ...DEFAULTS, ...params };
    if (readNonNegative(merged, 'collaborative_weight') + readNonNegative(merged, 'content_weight') === 0) {
      throw new RangeError('parameters "collaborative_weight" and "content_weight" must not both be zero');
    }
    const algorithms: Record<Component, Algorithm> = {
      cf: collaborativeAlgorithm(readString(merged, 'collaborative')),
      content: contentBased,
      pop: popularity,
    };
    const arrays: Record<string, NumericArray> = {};
    const meta: Record<string, ComponentRecord> = {};
    for (const component of COMPONENTS) {
      const trained = algorithms[component].train(data, componentParams(merged, component));
      for (const [name, array] of Object.entries(trained.arrays)) arrays[`${component}.${name}`] = array;
      meta[component] = { algorithm: trained.algorithm, params: trained.params, meta: trained.meta };
    }
    return { algorithm: 'hybrid', params: merged, numUsers: data.numUsers, numItems: data.numItems, arrays, meta };
  },

  load(artifact: ModelArtifact): Recommender & Partial<ItemSimilarity> & Partial<NewItemScorer> {
    const merged = { ...DEFAULTS, ...artifact.params };
    const collaborativeWeight = readNonNegative(merged, 'collaborative_weight');
    const contentWeight = readNonNegative(merged, 'content_weight');
    const cf = loadComponent(artifact, 'cf');
    const content = loadComponent(artifact, 'content');
    const pop = loadComponent(artifact, 'pop');
    const cfScores = new Float32Array(artifact.numItems);
    const contentScores = new Float32Array(artifact.numItems);
    // explain() is asked about several items of the profile just scored: reuse that scoring.
    const blendFor = lastOnly((profile: UserProfile): Blend => {
      const cfMax = componentScores(cf, profile, cfScores);
      const contentMax = componentScores(content, profile, contentScores);
      const cfWeight = cfMax > 0 ? collaborativeWeight : 0;
      const activeContentWeight = contentMax > 0 ? contentWeight : 0;
      const total = cfWeight + activeContentWeight;
      return {
        cfScale: cfWeight > 0 ? cfWeight / total / cfMax : 0,
        contentScale: activeContentWeight > 0 ? activeContentWeight / total / contentMax : 0,
      };
    });
    const nothingScored = (blend: Blend): boolean => blend.cfScale === 0 && blend.contentScale === 0;

    const recommender: Recommender & Partial<ItemSimilarity> & Partial<NewItemScorer> = {
      algorithm: 'hybrid',
      score(profile: UserProfile, scores: Float32Array): void {
        const blend = blendFor(profile);
        if (nothingScored(blend)) {
          pop.score(profile, scores);
          return;
        }
        const { cfScale, contentScale } = blend;
        for (let item = 0; item < scores.length; item++) {
          const blended = part(cfScale, cfScores[item]) + part(contentScale, contentScores[item]);
          if (blended > 0) scores[item] = blended;
        }
      },
      explain(profile: UserProfile, item: number): Evidence {
        const blend = blendFor(profile);
        if (nothingScored(blend)) return pop.explain(profile, item);
        const fromCf = part(blend.cfScale, cfScores[item]);
        return fromCf >= part(blend.contentScale, contentScores[item])
          ? cf.explain(profile, item)
          : content.explain(profile, item);
      },
    };
    if (scoresNewItems(content)) {
      let contentOfNew = new Float32Array(0);
      recommender.encodeNewItems = (features: readonly Int32Array[]): Csr => content.encodeNewItems(features);
      recommender.scoreNewItems = (profile: UserProfile, items: Csr, scores: Float32Array): void => {
        const { contentScale } = blendFor(profile);
        if (contentScale === 0) return;
        if (contentOfNew.length < items.rows) contentOfNew = new Float32Array(items.rows);
        const own = contentOfNew.subarray(0, items.rows).fill(-Infinity);
        content.scoreNewItems(profile, items, own);
        for (let row = 0; row < items.rows; row++) if (own[row] > 0) scores[row] = contentScale * own[row];
      };
      recommender.explainNewItem = (profile: UserProfile, items: Csr, row: number): Evidence =>
        content.explainNewItem(profile, items, row);
    }
    if (hasItemSimilarity(cf)) {
      recommender.similarItems = (item: number, k: number): SimilarItem[] => cf.similarItems(item, k);
    }
    return recommender;
  },
};

/** One component's sub-artifact, rebuilt from the hybrid artifact's prefixed arrays and meta. */
export function componentArtifact(artifact: ModelArtifact, component: Component): ModelArtifact {
  const record = componentRecord(artifact.meta, component);
  const prefix = `${component}.`;
  const arrays: Record<string, NumericArray> = {};
  for (const [name, array] of Object.entries(artifact.arrays)) {
    if (name.startsWith(prefix)) arrays[name.slice(prefix.length)] = array;
  }
  return { ...record, numUsers: artifact.numUsers, numItems: artifact.numItems, arrays };
}

/** The component algorithms `params` choose; no `cf` while `collaborative` names none of them. */
function componentAlgorithms(params: Record<string, unknown>): Record<string, Algorithm> {
  const cf = COLLABORATIVE[(params.collaborative ?? DEFAULTS.collaborative) as AlgorithmName];
  return { ...(cf && { cf }), content: contentBased, pop: popularity };
}

function collaborativeAlgorithm(name: string): Algorithm {
  const algorithm = isAlgorithmName(name) ? COLLABORATIVE[name] : undefined;
  if (!algorithm) {
    throw new RangeError(
      `parameter "collaborative" must be one of ${Object.keys(COLLABORATIVE).join(', ')}, got "${name}"`,
    );
  }
  return algorithm;
}

/** The hybrid params meant for a component, prefix removed: `cf.neighbours` → `neighbours`. */
function componentParams(params: AlgorithmParams, component: Component): AlgorithmParams {
  const prefix = `${component}.`;
  const picked: AlgorithmParams = {};
  for (const [key, value] of Object.entries(params))
    if (key.startsWith(prefix)) picked[key.slice(prefix.length)] = value;
  return picked;
}

function loadComponent(artifact: ModelArtifact, component: Component): Recommender {
  const sub = componentArtifact(artifact, component);
  const algorithm = LOADABLE[sub.algorithm];
  if (!algorithm) throw new TypeError(`hybrid component "${component}" has unsupported algorithm "${sub.algorithm}"`);
  return algorithm.load(sub);
}

/** A component's contribution to an item's blended score; unscored items (-Infinity) contribute nothing. */
function part(scale: number, score: number): number {
  return score > 0 ? scale * score : 0;
}

/** Scores one component into its own buffer; returns the highest score, 0 when it scored nothing. */
function componentScores(recommender: Recommender, profile: UserProfile, scores: Float32Array): number {
  scores.fill(-Infinity);
  recommender.score(profile, scores);
  let max = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] > max) max = scores[i];
  return max;
}

function componentRecord(meta: Record<string, unknown>, component: Component): ComponentRecord {
  const record = meta[component];
  if (!isObject(record) || !isAlgorithmName(record.algorithm) || !isObject(record.meta) || !isParams(record.params)) {
    throw new TypeError(`hybrid artifact meta has no valid record for component "${component}"`);
  }
  return { algorithm: record.algorithm, params: record.params, meta: record.meta };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isParams(value: unknown): value is AlgorithmParams {
  return (
    isObject(value) &&
    Object.values(value).every((v) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
  );
}

function isAlgorithmName(value: unknown): value is AlgorithmName {
  return typeof value === 'string' && (ALGORITHMS as readonly string[]).includes(value);
}
