import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { itemKnn } from './item-knn';
import { matrixFactorization } from './matrix-factorization';
import { Mt19937 } from './mt19937';
import { helperThreads, setTrainingThreads, stopHelpers } from './row-split';
import { Event, trainingDataOf } from './spec-helpers';
import { Algorithm, AlgorithmParams, NumericArray, TrainingData } from './types';
import { collaborativeFiltering } from './user-knn';

// Big enough that every fit is split into chunks over the helpers (and over the work threshold),
// with skewed histories so the chunks differ in size: 800 users × 400 items, 30,000 events.
function skewedData(): TrainingData {
  const random = new Mt19937(7);
  const events: Event[] = [];
  for (let n = 0; n < 30_000; n++) {
    const user = Math.floor(800 * random.nextDouble() ** 2);
    const item = Math.floor(400 * random.nextDouble() ** 3);
    events.push([user, item, 1 + Math.floor(random.nextDouble() * 3), n]);
  }
  return trainingDataOf({ numUsers: 800, numItems: 400, events });
}

function trainWith(threads: number, algorithm: Algorithm, data: TrainingData, params: AlgorithmParams) {
  setTrainingThreads(threads);
  try {
    const { arrays } = algorithm.train(data, { ...algorithm.defaults, ...params });
    // The split really happened: the helpers were spawned for this count.
    if (threads > 1) assert.equal(helperThreads(), threads - 1);
    return arrays;
  } finally {
    setTrainingThreads(1);
  }
}

/** Every array the same, element for element and bit for bit (NaN included). */
function assertIdentical(split: Record<string, NumericArray>, single: Record<string, NumericArray>): void {
  assert.deepEqual(Object.keys(split).sort(), Object.keys(single).sort());
  for (const [name, array] of Object.entries(single)) {
    const other = split[name];
    assert.equal(other.constructor, array.constructor, name);
    assert.equal(other.length, array.length, `${name}: length`);
    assert.ok(!(other.buffer instanceof SharedArrayBuffer), `${name} is left in shared memory`);
    const a = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    const b = new Uint8Array(other.buffer, other.byteOffset, other.byteLength);
    const first = a.findIndex((byte, k) => byte !== b[k]);
    assert.equal(first, -1, `${name} differs from the single-thread fit at byte ${first}`);
  }
}

describe('fits split over TRAINING_THREADS', { timeout: 300_000 }, () => {
  const data = skewedData();
  after(() => stopHelpers());

  for (const threads of [2, 3]) {
    it(`should give ALS factors identical to one thread's with ${threads} threads`, { timeout: 120_000 }, () => {
      const params = { factors: 16, iterations: 4, seed: 11 };
      assertIdentical(
        trainWith(threads, matrixFactorization, data, params),
        trainWith(1, matrixFactorization, data, params),
      );
    });

    it(
      `should give item kNN similarities identical to one thread's with ${threads} threads`,
      { timeout: 120_000 },
      () => {
        const params = { neighbours: 30, shrinkage: 2 };
        const single = trainWith(1, itemKnn, data, params);
        assert.ok(single['similar.values'].length > 1000, 'too few similarities to compare');
        assertIdentical(trainWith(threads, itemKnn, data, params), single);
      },
    );

    it(
      `should give user kNN neighbours identical to one thread's with ${threads} threads`,
      { timeout: 120_000 },
      () => {
        const params = { neighbours: 20 };
        assertIdentical(
          trainWith(threads, collaborativeFiltering, data, params),
          trainWith(1, collaborativeFiltering, data, params),
        );
      },
    );
  }

  it('should train the same on one thread when the data is too small to split', { timeout: 60_000 }, () => {
    const tiny = trainingDataOf({
      numUsers: 3,
      numItems: 3,
      events: [
        [0, 0, 1, 0],
        [1, 0, 1, 1],
        [1, 1, 1, 2],
        [2, 2, 1, 3],
      ],
    });
    const single = itemKnn.train(tiny, itemKnn.defaults).arrays;
    setTrainingThreads(4);
    try {
      assertIdentical(itemKnn.train(tiny, itemKnn.defaults).arrays, single);
    } finally {
      setTrainingThreads(1);
    }
  });
});
