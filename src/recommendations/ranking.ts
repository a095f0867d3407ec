import { topK } from '../algorithms/sparse';
import { LoadedModel } from '../model-registry/loaded-model';
import { CatalogueView } from './catalogue-cache';
import { UserContext } from './user-context';

export interface RankFilters {
  /** Epoch ms: events starting at or before it are over for this request. */
  now: number;
  /** Lower-cased city the items must be in, or null for anywhere. */
  city: string | null;
  /** Items already placed by an earlier source in this response. */
  taken?: Set<string>;
}

export interface RankedItem {
  index: number;
  score: number;
}

/**
 * Scores every item for the user, removes what must never be shown (excluded by the user,
 * deleted, already started, elsewhere, already taken) and returns the best `count`, best first.
 * One pass over a dense score array: O(items), independent of the number of interactions.
 */
export function rankItems(model: LoadedModel, context: UserContext, view: CatalogueView, filters: RankFilters, count: number): RankedItem[] {
  const n = model.itemIds.length;
  const scores = new Float32Array(n).fill(-Infinity);
  model.recommender.score(context.profile, scores);
  for (const item of context.excluded) scores[item] = -Infinity;
  for (let i = 0; i < n; i++) {
    if (scores[i] === -Infinity) continue;
    if (!view.live[i] || view.startsAt[i] <= filters.now || (filters.city !== null && view.city[i] !== filters.city)) {
      scores[i] = -Infinity;
    }
  }
  if (filters.taken) for (const id of filters.taken) {
    const index = model.itemIndex.get(id);
    if (index !== undefined) scores[index] = -Infinity;
  }
  return Array.from(topK(scores, count), (index) => ({ index, score: scores[index] }));
}
