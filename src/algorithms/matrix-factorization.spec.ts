import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matrixFactorization } from './matrix-factorization';
import { topK } from './sparse';
import { ModelArtifact, TrainingData, UserProfile } from './types';
import { Event, roundTrip, trainingDataOf, userProfile } from './spec-helpers';

/** Users 0-3 each watch three of items 0-3, users 4-7 three of items 4-7: user u misses item u. */
function blocks(): TrainingData {
  const events: Event[] = [];
  for (let u = 0; u < 8; u++) {
    const base = u < 4 ? 0 : 4;
    for (let i = base; i < base + 4; i++) if (i !== u) events.push([u, i, 1, events.length]);
  }
  return trainingDataOf({ numUsers: 8, numItems: 8, events, referenceTime: events.length });
}

function profile(userIndex: number, items: number[]): UserProfile {
  return userProfile({ userIndex, items });
}

const historyOf = (u: number) => [0, 1, 2, 3].map((i) => (u < 4 ? i : i + 4)).filter((i) => i !== u);

/** Through the artifact codec, as a stored model is. */
/** Two factors: the blocks are a rank-two pattern, and more factors would fit the missing cells too. */
const PARAMS = { factors: 2, iterations: 15, regularization: 0.1, alpha: 2, cg_steps: 3 };

function ranking(artifact: ModelArtifact, who: UserProfile): Int32Array {
  const scores = new Float32Array(8).fill(-Infinity);
  matrixFactorization.load(artifact).score(who, scores);
  for (const item of who.items) scores[item] = -Infinity;
  return topK(scores, 8);
}

describe('matrixFactorization', { timeout: 30_000 }, () => {
  const artifact = matrixFactorization.train(blocks(), PARAMS);

  it("should rank the missing item of the user's own block above the other block", () => {
    for (let u = 0; u < 8; u++) assert.equal(ranking(artifact, profile(u, historyOf(u)))[0], u, `user ${u}`);
  });

  it('should score the same after the artifact is serialised and loaded', () => {
    const scores = (a: ModelArtifact) => {
      const out = new Float32Array(8).fill(-Infinity);
      matrixFactorization.load(a).score(profile(2, historyOf(2)), out);
      return [...out];
    };
    assert.deepEqual(scores(roundTrip(artifact)), scores(artifact));
  });

  it('should fold in a user the model has never seen', () => {
    const top = ranking(artifact, profile(-1, [4, 5]));
    assert.deepEqual([...top.subarray(0, 2)].sort(), [6, 7]);
  });

  it('should fold in a known user whose history changed since training', () => {
    const top = ranking(artifact, profile(0, [4, 5, 6]));
    assert.equal(top[0], 7);
  });

  it('should write no scores when there is no history to go on', () => {
    const scores = new Float32Array(8).fill(-Infinity);
    matrixFactorization.load(artifact).score(profile(-1, []), scores);
    assert.ok(scores.every((s) => s === -Infinity));
  });

  it('should leave items without feedback unscored', () => {
    const withNewItem = { ...blocks(), numItems: 9 };
    const scores = new Float32Array(9).fill(-Infinity);
    matrixFactorization.load(matrixFactorization.train(withNewItem, PARAMS)).score(profile(0, historyOf(0)), scores);
    assert.ok(Number.isFinite(scores[0]));
    assert.equal(scores[8], -Infinity);
  });

  it('should explain with the most similar history item, or taste without history', () => {
    const recommender = matrixFactorization.load(artifact);
    const evidence = recommender.explain(profile(0, historyOf(0)), 0);
    assert.equal(evidence.kind, 'similar_item');
    assert.ok(evidence.kind === 'similar_item' && [1, 2, 3].includes(evidence.item));
    assert.deepEqual(recommender.explain(profile(-1, []), 0), { kind: 'taste' });
  });

  it('should never explain an item by itself, even when the user already has it', () => {
    // Hand-built factors: item 1 points almost the way item 0 does, item 2 at right angles.
    const handBuilt: ModelArtifact = {
      algorithm: 'matrix_factorization',
      params: { factors: 2 },
      numUsers: 1,
      numItems: 3,
      arrays: {
        userFactors: new Float32Array(2),
        itemFactors: Float32Array.from([1, 0, 0.9, 0.1, 0, 1]),
        itemGram: new Float32Array(4),
        historyFingerprint: new Float64Array(1),
      },
      meta: {},
    };
    const recommender = matrixFactorization.load(handBuilt);
    assert.deepEqual(recommender.explain(profile(-1, [0, 1, 2]), 0), { kind: 'similar_item', item: 1 });
    assert.deepEqual(recommender.explain(profile(-1, [0, 2]), 0), { kind: 'similar_item', item: 2 });
    assert.deepEqual(recommender.explain(profile(-1, [2]), 2), { kind: 'taste' });
  });
});
