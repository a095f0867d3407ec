import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBundle, sha256 } from '../algorithms/artifact-codec';
import { getAlgorithm } from '../algorithms/registry';
import { historyEvents, trainingDataOf } from '../algorithms/spec-helpers';
import { buildCsr, preferenceMatrix } from '../algorithms/sparse';
import { AlgorithmName, TrainingData } from '../algorithms/types';
import { ModelVersion } from '../repositories/models.repository';
import { ArtifactDecoder } from './artifact-decoder';
import { loadModel } from './loaded-model';
import { ServingSnapshots } from './serving-snapshots';
import { bundleArrays } from './bundle-arrays';

/** Three users, four items: what a training run stores with every model, as train-model.worker does. */
function storedVersion(id: number, algorithm: AlgorithmName, data: TrainingData, userIds: string[]) {
  const artifact = getAlgorithm(algorithm).train(data, getAlgorithm(algorithm).defaults);
  const history = preferenceMatrix(data.events, data.numUsers, data.numItems);
  const excluded = buildCsr(data.numUsers, data.numItems, Int32Array.of(0), Int32Array.of(3), Float32Array.of(1));
  const arrays = bundleArrays(history, excluded, artifact.arrays);
  const bytes = encodeBundle({
    header: {
      userIds,
      itemIds: ['a', 'b', 'c', 'd'],
      featureNames: [],
      featureLabels: [],
      cityNames: [],
      lastInteractionId: 9,
      trainedAt: 1,
      algorithm,
      params: artifact.params,
      meta: artifact.meta,
      numUsers: data.numUsers,
      numItems: data.numItems,
    },
    arrays,
  });
  const version = { id, version: 'v1.0.0', algorithm, checksum: sha256(bytes), metrics: null } as ModelVersion;
  return { version, chunks: [bytes.subarray(0, 100), bytes.subarray(100)] };
}

const data = trainingDataOf({
  numUsers: 3,
  numItems: 4,
  events: historyEvents(
    [
      [0, 1],
      [1, 2],
      [0, 2, 3],
    ],
    1000,
  ),
});

describe(ServingSnapshots.name, { timeout: 60_000 }, () => {
  const decoder = new ArtifactDecoder();
  after(() => decoder.onModuleDestroy());

  it('should hold one snapshot for the models of one training run, and another for a different one', async () => {
    const snapshots = new ServingSnapshots();
    const users = ['u1', 'u2', 'u3'];
    const first = storedVersion(1, 'item_knn', data, users);
    const second = storedVersion(2, 'popularity', data, users);
    const itemKnn = await loadModel(first.version, first.chunks, decoder, snapshots);
    const popularity = await loadModel(second.version, second.chunks, decoder, snapshots);
    assert.equal(popularity.history, itemKnn.history);
    assert.equal(popularity.userIndex, itemKnn.userIndex);
    assert.equal(popularity.itemIds, itemKnn.itemIds);
    assert.equal(snapshots.held().length, 1);
    assert.deepEqual(
      ['u3', 'u2', 'u1', 'u4'].map((id) => itemKnn.userIndex.get(id)),
      [2, 1, 0, undefined],
    );
    assert.deepEqual(Array.from(itemKnn.history.indices.subarray(itemKnn.history.indptr[2])), [0, 2, 3]);
    assert.deepEqual(Array.from(itemKnn.excluded.indices), [3]);

    const renamed = storedVersion(3, 'item_knn', data, ['u1', 'u2', 'someone else']);
    const other = await loadModel(renamed.version, renamed.chunks, decoder, snapshots);
    assert.notEqual(other.history, itemKnn.history);
    assert.equal(other.userIndex.get('someone else'), 2);
    assert.equal(snapshots.held().length, 2);
  });

  it("should send a held snapshot's duplicate back not at all, and each model array in a buffer of its own", async () => {
    const snapshots = new ServingSnapshots();
    const stored = storedVersion(1, 'item_knn', data, ['u1', 'u2', 'u3']);
    const model = await loadModel(stored.version, stored.chunks, decoder, snapshots);
    const again = storedVersion(2, 'item_knn', data, ['u1', 'u2', 'u3']);
    const result = await decoder.decode(again.chunks, again.version.checksum, [model.snapshotKey]);
    assert.ok('decoded' in result);
    assert.equal(result.decoded.snapshotKey, model.snapshotKey);
    assert.equal(result.decoded.snapshot, undefined);
    assert.deepEqual(Object.keys(result.decoded.header).sort(), [
      'algorithm',
      'meta',
      'numItems',
      'numUsers',
      'params',
      'trainedAt',
    ]);
    const arrays = Object.values(result.decoded.modelArrays);
    assert.ok(arrays.length > 0);
    for (const array of arrays) assert.equal(array.buffer.byteLength, array.byteLength);
  });
});
