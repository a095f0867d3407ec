import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ease } from './ease';
import { ModelArtifact, TrainingData, UserProfile } from './types';
import { assertScores, roundTrip, trainingDataOf, userProfile } from './spec-helpers';

/**
 * User 0 has items a, b; user 1 has b, c. With λ = 1, XᵀX + λI = [[2,1,0],[1,3,1],[0,1,2]], whose
 * inverse is P = ⅛·[[5,−2,1],[−2,4,−2],[1,−2,5]] (det 8, by cofactors), and B_ij = −P_ij / P_jj:
 *   B = [[0, 0.5, −0.2], [0.4, 0, 0.4], [−0.2, 0.5, 0]].
 */
const A = 0;
const B = 1;
const C = 2;

function twoUsers(numItems = 3): TrainingData {
  return trainingDataOf({
    numUsers: 2,
    numItems,
    events: [
      [0, A, 1, 1],
      [0, B, 1, 2],
      [1, B, 1, 3],
      [1, C, 1, 4],
    ],
  });
}

function profile(items: number[], weights?: number[]): UserProfile {
  return userProfile({ items, weights });
}

function scores(artifact: ModelArtifact, who: UserProfile, numItems = 3): number[] {
  const out = new Float32Array(numItems).fill(-Infinity);
  ease.load(artifact).score(who, out);
  return [...out];
}

describe('ease', { timeout: 30_000 }, () => {
  it('should score Σ_j w_j·B_ji with the closed-form B', () => {
    const artifact = roundTrip(ease.train(twoUsers(), { lambda: 1 }));
    assertScores(scores(artifact, profile([A])), [0, 0.5, -0.2]);
    assertScores(scores(artifact, profile([A, C])), [-0.2, 1, -0.2]);
    assertScores(scores(artifact, profile([C], [2])), [-0.4, 1, 0]);
  });

  it('should keep the largest |B_ji| into each item when sparse', () => {
    const artifact = roundTrip(ease.train(twoUsers(), { lambda: 1, dense_up_to: 0, keep_top: 1 }));
    assert.equal(artifact.meta.layout, 'sparse');
    // Kept: a→b 0.5 (ties with c→b, to the lower index), b→a 0.4, b→c 0.4.
    assertScores(scores(artifact, profile([A])), [0, 0.5, 0]);
    assertScores(scores(artifact, profile([B])), [0.4, 0, 0.4]);
  });

  it('should leave items without feedback unscored', () => {
    const artifact = ease.train(twoUsers(5), { lambda: 1 });
    const out = scores(artifact, profile([A]), 5);
    assertScores(out.slice(0, 3), [0, 0.5, -0.2]);
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
