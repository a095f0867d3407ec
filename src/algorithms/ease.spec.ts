import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBundle, encodeBundle } from './artifact-codec';
import { ease } from './ease';
import { buildCsr } from './sparse';
import { ModelArtifact, TrainingData, UserProfile } from './types';

/**
 * User 0 has items a, b; user 1 has b, c. With λ = 1, XᵀX + λI = [[2,1,0],[1,3,1],[0,1,2]], whose
 * inverse is P = ⅛·[[5,−2,1],[−2,4,−2],[1,−2,5]] (det 8, by cofactors), and B_ij = −P_ij / P_jj:
 *   B = [[0, 0.5, −0.2], [0.4, 0, 0.4], [−0.2, 0.5, 0]].
 */
const A = 0;
const B = 1;
const C = 2;

function twoUsers(numItems = 3): TrainingData {
  return {
    numUsers: 2,
    numItems,
    events: {
      user: Int32Array.of(0, 0, 1, 1),
      item: Int32Array.of(A, B, B, C),
      weight: Float32Array.of(1, 1, 1, 1),
      time: Float64Array.of(1, 2, 3, 4),
    },
    itemFeatures: buildCsr(numItems, 0, new Int32Array(0), new Int32Array(0), new Float32Array(0)),
    itemCity: new Int32Array(numItems).fill(-1),
    referenceTime: 4,
  };
}

function profile(items: number[], weights = items.map(() => 1)): UserProfile {
  return {
    userIndex: -1,
    items: Int32Array.from(items),
    weights: Float32Array.from(weights),
    declaredFeatures: new Int32Array(0),
    cityIndex: -1,
  };
}

function scores(artifact: ModelArtifact, who: UserProfile, numItems = 3): number[] {
  const out = new Float32Array(numItems).fill(-Infinity);
  ease.load(artifact).score(who, out);
  return [...out];
}

function assertClose(actual: number[], expected: number[]): void {
  actual.forEach((value, i) => assert.ok(Math.abs(value - expected[i]) < 1e-6, `${actual.join()} ≉ ${expected.join()}`));
}

function roundTrip(artifact: ModelArtifact): ModelArtifact {
  const decoded = decodeBundle(encodeBundle({ header: { meta: artifact.meta }, arrays: artifact.arrays }));
  return { ...artifact, arrays: decoded.arrays, meta: decoded.header.meta as Record<string, unknown> };
}

describe('ease', () => {
  it('should score Σ_j w_j·B_ji with the closed-form B', () => {
    const artifact = roundTrip(ease.train(twoUsers(), { lambda: 1 }));
    assertClose(scores(artifact, profile([A])), [0, 0.5, -0.2]);
    assertClose(scores(artifact, profile([A, C])), [-0.2, 1, -0.2]);
    assertClose(scores(artifact, profile([C], [2])), [-0.4, 1, 0]);
  });

  it('should keep the largest |B_ji| into each item when sparse', () => {
    const artifact = roundTrip(ease.train(twoUsers(), { lambda: 1, dense_up_to: 0, keep_top: 1 }));
    assert.equal(artifact.meta.layout, 'sparse');
    // Kept: a→b 0.5 (ties with c→b, to the lower index), b→a 0.4, b→c 0.4.
    assertClose(scores(artifact, profile([A])), [0, 0.5, 0]);
    assertClose(scores(artifact, profile([B])), [0.4, 0, 0.4]);
  });

  it('should leave items without feedback unscored', () => {
    const artifact = ease.train(twoUsers(5), { lambda: 1 });
    const out = scores(artifact, profile([A]), 5);
    assertClose(out.slice(0, 3), [0, 0.5, -0.2]);
    assert.deepEqual(out.slice(3), [-Infinity, -Infinity]);
  });

  it('should explain with the history item contributing most', () => {
    const recommender = ease.load(ease.train(twoUsers(), { lambda: 1 }));
    assert.deepEqual(recommender.explain(profile([A, C], [1, 2]), B), { kind: 'similar_item', item: C });
    assert.deepEqual(recommender.explain(profile([]), B), { kind: 'taste' });
  });

  it('should refuse a catalogue larger than max_items, saying why', () => {
    assert.throws(() => ease.train(twoUsers(), { max_items: 2 }), /3 × 3 inverse .*max_items is 2/);
  });
});
