import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Recommender } from '../algorithms/types';
import { LoadedModel } from '../model-registry/loaded-model';
import { CatalogueView } from './catalogue-cache';
import { rankItems } from './ranking';
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
    live: Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1]),
    startsAt: new Float64Array(8).fill(NaN),
    cityCode: Int32Array.from([0, 0, 1, 1, 0, 1, -1, 0]),
    cities: new Map([
      ['dublin', 0],
      ['cork', 1],
    ]),
  };
  const profile = {
    userIndex: 0,
    items: new Int32Array(),
    weights: new Float32Array(),
    declaredFeatures: new Int32Array(),
    cityIndex: -1,
  };
  return { model, view, context: { profile, excluded: new Set(), lastAction: new Map(), city: null } };
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
