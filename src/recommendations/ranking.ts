import { Evidence, scoresNewItems } from '../algorithms/types';
import { GroupCap, pickWithinCap } from '../domain/diversity';
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
  /** The response's list so far, for the cap on items of one artist or series; none: no cap. */
  cap?: GroupCap;
}

export interface RankedItem {
  index: number;
  score: number;
}

/**
 * One score array per view (a model at one catalogue revision), reused by every request: scoring
 * and ranking run without an await in between, so no two requests ever hold it at once, and a
 * request allocates nothing per item.
 */
const scoreArrays = new WeakMap<CatalogueView, Float32Array>();

/**
 * Scores every item for the user — the model's own and, for a model that scores by content, those
 * added since it was trained — removes what must never be shown (excluded by the user, deleted,
 * already started, elsewhere, already taken) and returns the best `count`, best first, ties to the
 * lower index, within the cap on one artist or series (`filters.cap`, which records what it
 * placed). One pass over the scores: an item that cannot beat the current worst candidate (most
 * of them, for sparse scorers) costs one comparison.
 */
export function rankItems(
  model: LoadedModel,
  context: UserContext,
  view: CatalogueView,
  filters: RankFilters,
  count: number,
): RankedItem[] {
  const cityCode = filters.city === null ? -1 : (view.cities.get(filters.city) ?? -2);
  if (cityCode === -2 || count <= 0) return [];
  const scores = scoreAll(model, context, view, filters.taken);
  const cap = filters.cap ?? GroupCap.of(0);
  const groupOf = (index: number) => view.group[index];
  // The cap may hold candidates back, so look further than `count`; when that is not far enough
  // and more items qualify, look four times further: the result is then what a pass over every
  // item would give, so page 2 continues page 1 exactly.
  for (let pool = cap.perTen > 0 ? 2 * count + 10 : count; ; pool *= 4) {
    const candidates = bestCandidates(scores, view, filters.now, cityCode, pool);
    const { picked, exhausted } = pickWithinCap(candidates, groupOf, cap.copy(), count);
    if (exhausted && candidates.length === pool) continue;
    for (const index of picked) cap.place(groupOf(index));
    return picked.map((index) => ({ index, score: scores[index] }));
  }
}

/** The id of a ranked index: one of the model's items, or one added since it was trained. */
export function itemIdAt(model: LoadedModel, view: CatalogueView, index: number): string {
  const n = model.itemIds.length;
  return index < n ? model.itemIds[index] : view.newItemIds[index - n];
}

/** Why a ranked item was scored; call it right after rankItems, whose profile the models memoise. */
export function explainRanked(model: LoadedModel, context: UserContext, view: CatalogueView, index: number): Evidence {
  const n = model.itemIds.length;
  const { recommender } = model;
  if (index < n) return recommender.explain(context.profile, index);
  return view.newItems && scoresNewItems(recommender)
    ? recommender.explainNewItem(context.profile, view.newItems, index - n)
    : { kind: 'taste' };
}

function scoreAll(model: LoadedModel, context: UserContext, view: CatalogueView, taken?: Set<string>): Float32Array {
  let scores = scoreArrays.get(view);
  if (!scores) scoreArrays.set(view, (scores = new Float32Array(view.size)));
  scores.fill(-Infinity);
  const n = model.itemIds.length;
  const { recommender } = model;
  recommender.score(context.profile, view.size === n ? scores : scores.subarray(0, n));
  if (view.newItems && view.newItems.rows > 0 && scoresNewItems(recommender)) {
    recommender.scoreNewItems(context.profile, view.newItems, scores.subarray(n));
  }
  for (const item of context.excluded) scores[item] = -Infinity;
  for (const id of [...context.excludedSince, ...(taken ?? [])]) {
    const index = model.itemIndex.get(id) ?? view.newItemIndex.get(id);
    if (index !== undefined) scores[index] = -Infinity;
  }
  return scores;
}

/** The best `count` items that may be shown, best first. */
function bestCandidates(
  scores: Float32Array,
  view: CatalogueView,
  now: number,
  cityCode: number,
  count: number,
): Int32Array {
  const heap = new BestHeap(scores, count);
  const { live, startsAt, cityCode: itemCity } = view;
  for (let i = 0; i < scores.length; i++) {
    // Negated so that NaN and -Infinity (not scored) fall out here too.
    if (!(scores[i] > heap.threshold)) continue;
    if (live[i] === 0 || startsAt[i] <= now || (cityCode >= 0 && itemCity[i] !== cityCode)) continue;
    heap.offer(i);
  }
  return heap.bestFirst();
}

/**
 * The `capacity` best indices offered so far, in a binary min-heap keyed by score (the worst on
 * top). Indices must be offered in ascending order: an equal score then never displaces an
 * earlier index, which is what makes ties go to the lower index.
 */
export class BestHeap {
  private readonly heap: Int32Array;
  private size = 0;
  /** A score must exceed this to enter: -Infinity until the heap is full, then its worst score. */
  threshold = -Infinity;

  constructor(
    private readonly scores: Float32Array,
    capacity: number,
  ) {
    this.heap = new Int32Array(capacity);
  }

  offer(index: number): void {
    const { heap, scores } = this;
    if (this.size < heap.length) {
      let at = this.size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!this.worse(index, heap[parent])) break;
        heap[at] = heap[parent];
        at = parent;
      }
      heap[at] = index;
    } else {
      this.siftDownFromTop(index);
    }
    if (this.size === heap.length) this.threshold = scores[heap[0]];
  }

  /** The kept indices, best first. */
  bestFirst(): Int32Array {
    return this.heap.slice(0, this.size).sort((a, b) => (this.worse(a, b) ? 1 : this.worse(b, a) ? -1 : 0));
  }

  private siftDownFromTop(index: number): void {
    const { heap } = this;
    const size = this.size;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && this.worse(heap[right], heap[left]) ? right : left;
      if (!this.worse(heap[child], index)) break;
      heap[at] = heap[child];
      at = child;
    }
    heap[at] = index;
  }

  private worse(a: number, b: number): boolean {
    const sa = this.scores[a];
    const sb = this.scores[b];
    return sa < sb || (sa === sb && a > b);
  }
}
