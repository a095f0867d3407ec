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
 * One score array per model, reused by every request: scoring and ranking run without an await
 * in between, so no two requests ever hold it at once, and a request allocates nothing per item.
 */
const scoreArrays = new WeakMap<LoadedModel, Float32Array>();

/**
 * Scores every item for the user, removes what must never be shown (excluded by the user,
 * deleted, already started, elsewhere, already taken) and returns the best `count`, best first,
 * ties to the lower index. One pass over the scores: an item that cannot beat the current
 * `count`-th best (most of them, for sparse scorers) costs one comparison.
 */
export function rankItems(
  model: LoadedModel,
  context: UserContext,
  view: CatalogueView,
  filters: RankFilters,
  count: number,
): RankedItem[] {
  const scores = scoreArrayFor(model);
  model.recommender.score(context.profile, scores);
  for (const item of context.excluded) scores[item] = -Infinity;
  if (filters.taken) {
    for (const id of filters.taken) {
      const index = model.itemIndex.get(id);
      if (index !== undefined) scores[index] = -Infinity;
    }
  }
  const cityCode = filters.city === null ? -1 : (view.cities.get(filters.city) ?? -2);
  if (cityCode === -2 || count <= 0) return [];

  const heap = new BestHeap(scores, count);
  const { live, startsAt, cityCode: itemCity } = view;
  for (let i = 0; i < scores.length; i++) {
    // Negated so that NaN and -Infinity (not scored) fall out here too.
    if (!(scores[i] > heap.threshold)) continue;
    if (live[i] === 0 || startsAt[i] <= filters.now || (cityCode >= 0 && itemCity[i] !== cityCode)) continue;
    heap.offer(i);
  }
  return Array.from(heap.bestFirst(), (index) => ({ index, score: scores[index] }));
}

function scoreArrayFor(model: LoadedModel): Float32Array {
  let scores = scoreArrays.get(model);
  if (!scores) scoreArrays.set(model, (scores = new Float32Array(model.itemIds.length)));
  return scores.fill(-Infinity);
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
