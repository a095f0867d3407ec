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
  Judge,
  Learned,
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
  popularity_weight: {
    type: 'number',
    min: 0,
    max: 100,
    default: 0,
    meaning: 'weight of the popularity scores in the blend (popularity also answers when nothing else scored)',
  },
  learn_blend: {
    type: 'boolean',
    default: true,
    meaning:
      'choose the collaborative component and the three weights at every run on the validation split (the values above are then only where the search starts)',
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

/** The blend weights; a component's params stay in the hybrid params under its prefix. */
interface Weights {
  cf: number;
  content: number;
  pop: number;
}

/** The weight grid the blend is learned on, per collaborative candidate: collaborative weight 1, these for the others. */
const CONTENT_WEIGHTS_LEARNED = [0, 0.1, 0.25, 0.5] as const;
const POPULARITY_WEIGHTS_LEARNED = [0, 0.1, 0.25] as const;

/** One component's scores for the profile last asked about, and their highest value (0 when none is positive). */
interface PartScores {
  scores: Float32Array;
  max: number;
}
interface PartScorer {
  recommender: Recommender;
  scoresFor: (profile: UserProfile) => PartScores;
}

/**
 * Collaborative (`collaborative`: item_knn, collaborative_filtering, matrix_factorization or ease)
 * blended with content-based and popularity: score = Σ weight · part / max(part) over the parts,
 * each normalised over the items it scored positively. Weights are renormalised over the parts that
 * scored anything, so a user without collaborative signal gets content alone; a user whom none
 * reaches gets popularity. Items added after training get their content part alone, on the same
 * scale. With `learn_blend` (the default) every run chooses the collaborative
 * part and the weights on the validation split, so the blend is never worse there than its best
 * part alone. Sub-model params go in prefixed, e.g. `cf.neighbours`.
 */
export const hybrid: Algorithm = {
  name: 'hybrid',
  params: PARAMS,
  defaults: DEFAULTS,

  components: componentAlgorithms,

  /**
   * The sum of its components' estimates: they train one after the other, but every artifact stays
   * until the bundle is encoded; learning the blend holds every collaborative candidate at once.
   */
  estimateBytes(shape: DataShape, params: AlgorithmParams): number {
    const estimate = (algorithm: Algorithm, own: AlgorithmParams) =>
      algorithm.estimateBytes(shape, { ...algorithm.defaults, ...own });
    const chosen = Object.entries(componentAlgorithms(params)).reduce(
      (sum, [component, algorithm]) => sum + estimate(algorithm, componentParams(params, component as Component)),
      0,
    );
    if (params.learn_blend === false) return chosen;
    return Object.values(COLLABORATIVE).reduce((sum, algorithm) => sum + estimate(algorithm, {}), chosen);
  },

  /**
   * Trains every collaborative candidate, content-based and popularity (its half-life learned
   * first) once on the validation split's training part, then judges every blend of the grid
   * together, user by user, each part scored once per user. A candidate that refuses the data
   * (EASE over max_items) is left out.
   */
  learn(train: TrainingData, params: AlgorithmParams, judge: Judge): Learned | undefined {
    const merged = { ...DEFAULTS, ...params };
    if (merged.learn_blend !== true) return undefined;
    const popChoice = popularity.learn?.(train, componentParams(merged, 'pop'), judge);
    const popParams = popChoice?.params ?? componentParams(merged, 'pop');
    const scorer = (algorithm: Algorithm, own: AlgorithmParams) =>
      partScorer(algorithm.load(algorithm.train(train, own)), train.numItems);
    const content = scorer(contentBased, componentParams(merged, 'content'));
    const pop = scorer(popularity, popParams);
    const candidates: { params: AlgorithmParams; recommender: Recommender }[] = [];
    const add = (collaborative: string, cf: PartScorer | undefined, weights: Weights) =>
      candidates.push({
        params: {
          collaborative,
          collaborative_weight: weights.cf,
          content_weight: weights.content,
          popularity_weight: weights.pop,
        },
        recommender: blendOf({ cf, content, pop }, weights, pop.recommender),
      });
    for (const [name, algorithm] of Object.entries(COLLABORATIVE)) {
      const own = name === merged.collaborative ? componentParams(merged, 'cf') : {};
      let cf: PartScorer;
      try {
        cf = scorer(algorithm, own);
      } catch {
        continue;
      }
      for (const contentWeight of CONTENT_WEIGHTS_LEARNED) {
        for (const popWeight of POPULARITY_WEIGHTS_LEARNED)
          add(name, cf, { cf: 1, content: contentWeight, pop: popWeight });
      }
    }
    const configured = readString(merged, 'collaborative');
    add(configured, undefined, { cf: 0, content: 1, pop: 0 });
    add(configured, undefined, { cf: 0, content: 0, pop: 1 });
    const scores = judge(candidates.map((candidate) => candidate.recommender));
    const best = candidates[scores.indexOf(Math.max(...scores))].params;
    // cf.* params belong to the configured component: kept only when it is the one chosen.
    const kept = Object.fromEntries(
      Object.entries(merged).filter(
        ([key]) => !key.startsWith('pop.') && (best.collaborative === merged.collaborative || !key.startsWith('cf.')),
      ),
    );
    const popPrefixed = Object.fromEntries(Object.entries(popParams).map(([key, value]) => [`pop.${key}`, value]));
    return {
      params: { ...kept, ...popPrefixed, ...best, learn_blend: false },
      trials: [
        ...(popChoice?.trials ?? []).map((trial) => ({ ...trial, params: { component: 'pop', ...trial.params } })),
        ...candidates.map((candidate, k) => ({ params: candidate.params, ndcg_at_10: scores[k] })),
      ],
    };
  },

  train(data: TrainingData, params: AlgorithmParams): ModelArtifact {
    const merged = { ...DEFAULTS, ...params };
    const weights = readWeights(merged);
    if (weights.cf + weights.content + weights.pop === 0) {
      throw new RangeError(
        'parameters "collaborative_weight", "content_weight" and "popularity_weight" must not all be zero',
      );
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
    const weights = readWeights({ ...DEFAULTS, ...artifact.params });
    const cf = loadComponent(artifact, 'cf');
    const content = loadComponent(artifact, 'content');
    const pop = loadComponent(artifact, 'pop');
    const scorer = (part: Recommender) => partScorer(part, artifact.numItems);
    const parts = { cf: scorer(cf), content: scorer(content), pop: scorer(pop) };
    const recommender: Recommender & Partial<ItemSimilarity> & Partial<NewItemScorer> = blendOf(parts, weights, pop);
    if (scoresNewItems(content)) {
      const weighted = weightedParts(parts, weights);
      const contentScale = (profile: UserProfile): number =>
        scaleParts(weighted, profile).find((entry) => entry.scorer === parts.content)?.scale ?? 0;
      Object.assign(recommender, newItemScoring(content, contentScale));
    }
    if (hasItemSimilarity(cf)) {
      recommender.similarItems = (item: number, k: number): SimilarItem[] => cf.similarItems(item, k);
    }
    return recommender;
  },
};

function readWeights(params: AlgorithmParams): Weights {
  return {
    cf: readNonNegative(params, 'collaborative_weight'),
    content: readNonNegative(params, 'content_weight'),
    pop: readNonNegative(params, 'popularity_weight'),
  };
}

/** Scores one part into its own buffer, once per profile: explain() and the blends judged together reuse it. */
function partScorer(recommender: Recommender, numItems: number): PartScorer {
  const scores = new Float32Array(numItems);
  return {
    recommender,
    scoresFor: lastOnly((profile: UserProfile): PartScores => ({
      scores,
      max: componentScores(recommender, profile, scores),
    })),
  };
}

interface Parts {
  cf?: PartScorer;
  content: PartScorer;
  pop: PartScorer;
}
interface WeightedPart {
  scorer: PartScorer;
  weight: number;
}

function weightedParts(parts: Parts, weights: Weights): WeightedPart[] {
  return [
    { scorer: parts.cf, weight: weights.cf },
    { scorer: parts.content, weight: weights.content },
    { scorer: parts.pop, weight: weights.pop },
  ].filter((entry): entry is WeightedPart => entry.scorer !== undefined && entry.weight > 0);
}

/** The parts that scored anything for the profile, each with the factor that puts it on the blend's scale. */
function scaleParts(weighted: WeightedPart[], profile: UserProfile) {
  const scored = weighted
    .map((entry) => ({ ...entry, scores: entry.scorer.scoresFor(profile) }))
    .filter((entry) => entry.scores.max > 0);
  const total = scored.reduce((sum, entry) => sum + entry.weight, 0);
  return scored.map((entry) => ({ ...entry, scale: entry.weight / total / entry.scores.max }));
}

/** Items added after training: the content part's scores alone, at the scale it has in the blend. */
function newItemScoring(
  content: Recommender & NewItemScorer,
  contentScale: (profile: UserProfile) => number,
): NewItemScorer {
  let contentOfNew = new Float32Array(0);
  return {
    encodeNewItems: (features: readonly Int32Array[]): Csr => content.encodeNewItems(features),
    scoreNewItems(profile: UserProfile, items: Csr, scores: Float32Array): void {
      const scale = contentScale(profile);
      if (scale === 0) return;
      if (contentOfNew.length < items.rows) contentOfNew = new Float32Array(items.rows);
      const own = contentOfNew.subarray(0, items.rows).fill(-Infinity);
      content.scoreNewItems(profile, items, own);
      for (let row = 0; row < items.rows; row++) if (own[row] > 0) scores[row] = scale * own[row];
    },
    explainNewItem: (profile: UserProfile, items: Csr, row: number): Evidence =>
      content.explainNewItem(profile, items, row),
  };
}

/**
 * The weighted blend of the parts' normalised scores, weights renormalised over the parts that
 * scored anything for the profile; popularity alone when none did. `cf` absent: no collaborative part.
 */
function blendOf(parts: Parts, weights: Weights, fallback: Recommender): Recommender {
  const weighted = weightedParts(parts, weights);
  const scaled = (profile: UserProfile) => scaleParts(weighted, profile);
  return {
    algorithm: 'hybrid',
    score(profile: UserProfile, scores: Float32Array): void {
      const active = scaled(profile);
      if (active.length === 0) {
        fallback.score(profile, scores);
        return;
      }
      for (let item = 0; item < scores.length; item++) {
        let blended = 0;
        for (const entry of active) blended += part(entry.scale, entry.scores.scores[item]);
        if (blended > 0) scores[item] = blended;
      }
    },
    explain(profile: UserProfile, item: number): Evidence {
      const active = scaled(profile);
      if (active.length === 0) return fallback.explain(profile, item);
      const strongest = active.reduce((best, entry) =>
        part(entry.scale, entry.scores.scores[item]) > part(best.scale, best.scores.scores[item]) ? entry : best,
      );
      return strongest.scorer.recommender.explain(profile, item);
    },
  };
}

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
