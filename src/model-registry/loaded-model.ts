import { setImmediate as nextTurn } from 'node:timers/promises';
import { CorruptArtifactError } from '../algorithms/artifact-codec';
import { getAlgorithm } from '../algorithms/registry';
import { AlgorithmName, AlgorithmParams, Csr, ModelArtifact, NumericArray, Recommender } from '../algorithms/types';
import { ModelVersion } from '../repositories/models.repository';
import { ArtifactDecoder } from './artifact-decoder';

/**
 * A model version ready to serve: the recommender, the id dictionaries of its snapshot, and the
 * snapshot of every user's history, so it can keep serving from memory when the database is out.
 */
export interface LoadedModel {
  id: number;
  version: string;
  algorithm: AlgorithmName;
  recommender: Recommender;
  metrics: Record<string, number> | null;
  trainedAt: number;
  /** Interactions with a larger id arrived after the snapshot and are read per request. */
  lastInteractionId: number;
  itemIds: string[];
  itemIndex: Map<string, number>;
  userIndex: Map<string, number>;
  featureIndex: Map<string, number>;
  /** `kind:value` keys, and the labels people read. */
  featureNames: string[];
  featureLabels: string[];
  cityIndex: Map<string, number>;
  cityNames: string[];
  /** user → items with positive summed preference. */
  history: Csr;
  /** user → items never to recommend again (hidden, disliked, consumed). */
  excluded: { indptr: Int32Array; indices: Int32Array };
}

const INDEX_SLICE = 10_000;

interface BundleHeader {
  algorithm: AlgorithmName;
  params: AlgorithmParams;
  meta: Record<string, unknown>;
  numUsers: number;
  numItems: number;
  userIds: string[];
  itemIds: string[];
  featureNames: string[];
  featureLabels: string[];
  cityNames: string[];
  lastInteractionId: number;
  trainedAt: number;
}

/**
 * Verifies the checksum and decodes the stored chunks (on the decoder's thread), then wraps the
 * bundle's arrays; throws CorruptArtifactError on any mismatch.
 */
export async function loadModel(
  version: ModelVersion,
  chunks: Uint8Array[],
  decoder: ArtifactDecoder,
): Promise<LoadedModel> {
  const decoded = await decoder.decode(chunks, version.checksum);
  if ('corrupt' in decoded)
    throw new CorruptArtifactError(`artifact of model ${version.id} (${version.version}) ${decoded.corrupt}`);
  const { header, arrays } = decoded.bundle;
  const h = header as unknown as BundleHeader;
  const modelArrays: Record<string, NumericArray> = {};
  for (const [name, array] of Object.entries(arrays)) {
    if (name.startsWith('model.')) modelArrays[name.slice('model.'.length)] = array;
  }
  const artifact: ModelArtifact = {
    algorithm: h.algorithm,
    params: h.params,
    numUsers: h.numUsers,
    numItems: h.numItems,
    arrays: modelArrays,
    meta: h.meta,
  };
  return {
    id: version.id,
    version: version.version,
    algorithm: h.algorithm,
    recommender: getAlgorithm(h.algorithm).load(artifact),
    metrics: version.metrics,
    trainedAt: h.trainedAt,
    lastInteractionId: h.lastInteractionId,
    itemIds: h.itemIds,
    itemIndex: await indexOf(h.itemIds),
    userIndex: await indexOf(h.userIds),
    featureIndex: await indexOf(h.featureNames),
    featureNames: h.featureNames,
    featureLabels: h.featureLabels,
    cityIndex: await indexOf(h.cityNames),
    cityNames: h.cityNames,
    history: {
      rows: h.numUsers,
      cols: h.numItems,
      indptr: arrays['history.indptr'] as Int32Array,
      indices: arrays['history.indices'] as Int32Array,
      values: arrays['history.values'] as Float32Array,
    },
    excluded: { indptr: arrays['excluded.indptr'] as Int32Array, indices: arrays['excluded.indices'] as Int32Array },
  };
}

/** Built in slices with a turn of the event loop between: a Map of 100k user ids takes ~100 ms. */
async function indexOf(names: string[]): Promise<Map<string, number>> {
  const index = new Map<string, number>();
  for (let start = 0; start < names.length; start += INDEX_SLICE) {
    const end = Math.min(names.length, start + INDEX_SLICE);
    for (let k = start; k < end; k++) index.set(names[k], k);
    if (end < names.length) await nextTurn();
  }
  return index;
}
