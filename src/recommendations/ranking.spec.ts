import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Csr, NewItemScorer, Recommender } from '../algorithms/types';
import { GroupCap } from '../domain/diversity';
import { LoadedModel } from '../model-registry/loaded-model';
import { CatalogueView } from './catalogue-cache';
import { explainRanked, itemIdAt, rankItems } from './ranking';
import { UserContext } from './user-context';

const NOW = Date.UTC(2026, 10, 30);
const FIXED: number[] = [0.5, 0.9, 0.5, -Infinity, 0.7, 0.9, 0.1, 0.8];

/** Eight items with fixed scores; item 3 is unscored. */
function fixture(): { model: LoadedModel; view: CatalogueView; context: UserContext } {
  const recommender: Recommender = {
    algorithm: 'item_knn',
    score: (_profile, scores) => FIXED.forEach((s, i) => s !== -Infinity && (scores[i] = s)),
    explain: () => ({ kind: 'taste' }),
  };
  const itemIds = FIXED.map((_, i) => `i${i}`);
  const model = { recommender, itemIds, itemIndex: new Map(itemIds.map((id, i) => [id, i])) } as unknown as LoadedModel;
  const view: CatalogueView = {
    revision: 1,
    size: 8,
    live: Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1]),
    startsAt: new Float64Array(8).fill(NaN),
    cityCode: Int32Array.from([0, 0, 1, 1, 0, 1, -1, 0]),
    cities: new Map([
      ['dublin', 0],
      ['cork', 1],
    ]),
    group: new Int32Array(8).fill(-1),
    newItemIds: [],
    newItemIndex: new Map(),
    newItems: null,
  };
  const profile = {
    userIndex: 0,
    items: new Int32Array(),
    weights: new Float32Array(),
    declaredFeatures: new Int32Array(),
    cityIndex: -1,
  };
  return {
    model,
    view,
    context: { profile, excluded: new Set(), excludedSince: new Set(), lastAction: new Map(), city: null },
  };
}

const ranked = (...args: Parameters<typeof rankItems>) => rankItems(...args).map(({ index }) => index);

describe('rankItems', { timeout: 30_000 }, () => {
  it('should return the best scores first, ties to the lower index, never an unscored item', () => {
    const { model, view, context } = fixture();
    assert.deepEqual(ranked(model, context, view, { now: NOW, city: null }, 4), [1, 5, 7, 4]);
    assert.deepEqual(ranked(model, context, view, { now: NOW, city: null }, 20), [1, 5, 7, 4, 0, 2, 6]);
    assert.deepEqual(rankItems(model, context, view, { now: NOW, city: null }, 1), [
      { index: 1, score: 0.8999999761581421 },
    ]);
  });

  it('should drop excluded, taken, deleted and started items and keep the city asked for', () => {
    const { model, view, context } = fixture();
    context.excluded.add(1);
    view.live[7] = 0;
    view.startsAt[4] = NOW;
    view.startsAt[0] = NOW + 1;
    assert.deepEqual(ranked(model, context, view, { now: NOW, city: null, taken: new Set(['i5']) }, 3), [0, 2, 6]);
    assert.deepEqual(ranked(model, context, view, { now: NOW, city: 'cork' }, 3), [5, 2]);
    assert.deepEqual(ranked(model, context, view, { now: NOW, city: 'galway' }, 3), []);
  });

  it("should not carry one request's exclusions into the next on the reused array", () => {
    const { model, view, context } = fixture();
    const hidden = { ...context, excluded: new Set([1, 5]) };
    assert.deepEqual(ranked(model, hidden, view, { now: NOW, city: null }, 3), [7, 4, 0]);
    assert.deepEqual(ranked(model, context, view, { now: NOW, city: null }, 3), [1, 5, 7]);
    assert.deepEqual(ranked(model, context, view, { now: NOW, city: null }, 0), []);
  });
});

describe('rankItems with the cap on one artist or series', { timeout: 30_000 }, () => {
  // Scores best first: 1 (0.9), 5 (0.9), 7 (0.8), 4 (0.7), 0, 2 (0.5), 6 (0.1); item 3 unscored.
  const withGroups = () => {
    const f = fixture();
    f.view.group.set([0, 0, 1, 0, 0, 0, 2, 0]);
    return f;
  };

  it('should hold back a third item of one act and place it where the next ten positions open', () => {
    const { model, view, context } = withGroups();
    // Act 0 holds 1, 5, 7, 4, 0; only two fit in a top 10, so 2 and 6 (acts 1 and 2) follow.
    assert.deepEqual(ranked(model, context, view, { now: NOW, city: null, cap: GroupCap.of(2) }, 10), [1, 5, 2, 6]);
    assert.deepEqual(ranked(model, context, view, { now: NOW, city: null, cap: GroupCap.of(1) }, 10), [1, 2, 6]);
    assert.deepEqual(
      ranked(model, context, view, { now: NOW, city: null, cap: GroupCap.of(0) }, 10),
      [1, 5, 7, 4, 0, 2, 6],
    );
  });

  it('should carry the cap across calls, so a later source continues the same list', () => {
    const { model, view, context } = withGroups();
    const cap = GroupCap.of(2);
    assert.deepEqual(ranked(model, context, view, { now: NOW, city: null, cap }, 1), [1]);
    // One more of act 0 fits; the rest of act 0 waits for position 11.
    assert.deepEqual(ranked(model, context, view, { now: NOW, city: null, cap, taken: new Set(['i1']) }, 5), [5, 2, 6]);
    assert.equal(cap.length, 4);
  });

  it('should look past its first candidates when the cap holds them all back, giving every page one list', () => {
    // 40 items, the best 30 by one act: a top 12 holds 2 of them, then 8 others, then 2 more.
    const scores = Array.from({ length: 40 }, (_, i) => 1 - i / 100);
    const recommender: Recommender = {
      algorithm: 'item_knn',
      score: (_profile, out) => scores.forEach((s, i) => (out[i] = s)),
      explain: () => ({ kind: 'taste' }),
    };
    const itemIds = scores.map((_, i) => `i${i}`);
    const model = {
      recommender,
      itemIds,
      itemIndex: new Map(itemIds.map((id, i) => [id, i])),
    } as unknown as LoadedModel;
    const base = fixture();
    const view: CatalogueView = {
      ...base.view,
      size: 40,
      live: new Uint8Array(40).fill(1),
      startsAt: new Float64Array(40).fill(NaN),
      cityCode: new Int32Array(40).fill(-1),
      group: Int32Array.from(scores, (_, i) => (i < 30 ? 0 : i)),
    };
    const top = (count: number) =>
      ranked(model, base.context, view, { now: NOW, city: null, cap: GroupCap.of(2) }, count);
    assert.deepEqual(top(12), [0, 1, 30, 31, 32, 33, 34, 35, 36, 37, 2, 3]);
    assert.deepEqual(top(5), top(12).slice(0, 5));
    assert.deepEqual(top(20), [...top(12), 38, 39]);
  });
});

describe('rankItems with items added after training', { timeout: 30_000 }, () => {
  it('should rank new items by their own scores, explain them and leave out the ones the user excluded', () => {
    const { model, view, context } = fixture();
    const newItems: Csr = {
      rows: 2,
      cols: 1,
      indptr: Int32Array.from([0, 1, 2]),
      indices: Int32Array.from([0, 0]),
      values: Float32Array.from([0.95, 0.6]),
    };
    const scorer: NewItemScorer = {
      encodeNewItems: () => newItems,
      scoreNewItems: (_profile, items, out) => items.values.forEach((v, row) => (out[row] = v)),
      explainNewItem: (_profile, _items, row) => ({ kind: 'feature', feature: row }),
    };
    Object.assign(model.recommender, scorer);
    const extended: CatalogueView = {
      ...view,
      size: 10,
      live: Uint8Array.from([...view.live, 1, 1]),
      startsAt: Float64Array.from([...view.startsAt, NaN, NaN]),
      cityCode: Int32Array.from([...view.cityCode, 0, 0]),
      group: new Int32Array(10).fill(-1),
      newItemIds: ['new0', 'new1'],
      newItemIndex: new Map([
        ['new0', 8],
        ['new1', 9],
      ]),
      newItems,
    };
    assert.deepEqual(ranked(model, context, extended, { now: NOW, city: null }, 4), [8, 1, 5, 7]);
    assert.equal(itemIdAt(model, extended, 8), 'new0');
    assert.equal(itemIdAt(model, extended, 1), 'i1');
    assert.deepEqual(explainRanked(model, context, extended, 9), { kind: 'feature', feature: 1 });
    const excluding = { ...context, excludedSince: new Set(['new0']) };
    assert.deepEqual(ranked(model, excluding, extended, { now: NOW, city: 'dublin' }, 3), [1, 7, 4]);
    assert.deepEqual(ranked(model, excluding, extended, { now: NOW, city: 'dublin' }, 9), [1, 7, 4, 9, 0]);
  });
});
