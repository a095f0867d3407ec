import { CorruptArtifactError } from '../algorithms/artifact-codec';
import { getAlgorithm } from '../algorithms/registry';
import { AlgorithmName, AlgorithmParams, Recommender } from '../algorithms/types';
import { ModelVersion } from '../repositories/models.repository';
import { ArtifactDecoder } from './artifact-decoder';
import { ServingSnapshot, ServingSnapshots } from './serving-snapshots';

/**
 * A model version ready to serve: the recommender, and the snapshot of the id dictionaries and of
 * every user's history it was trained with (its fields, shared with the other models of the same
 * training run), so it can keep serving from memory when the database is out.
 */
export interface LoadedModel extends Omit<ServingSnapshot, 'key'> {
  id: number;
  version: string;
  algorithm: AlgorithmName;
  recommender: Recommender;
  metrics: Record<string, number> | null;
  trainedAt: number;
  snapshotKey: string;
}

interface BundleHeader {
  algorithm: AlgorithmName;
  params: AlgorithmParams;
  meta: Record<string, unknown>;
  numUsers: number;
  numItems: number;
  trainedAt: number;
}

/**
 * Verifies the checksum and decodes the stored chunks (on the decoder's thread), then wraps the
 * model's arrays and the snapshot, reusing one already in memory with the same content; throws
 * CorruptArtifactError on any mismatch.
 */
export async function loadModel(
  version: ModelVersion,
  chunks: Uint8Array[],
  decoder: ArtifactDecoder,
  snapshots: ServingSnapshots,
): Promise<LoadedModel> {
  const held = snapshots.held();
  const result = await decoder.decode(
    chunks,
    version.checksum,
    held.map((snapshot) => snapshot.key),
  );
  if ('corrupt' in result)
    throw new CorruptArtifactError(`artifact of model ${version.id} (${version.version}) ${result.corrupt}`);
  const { header, modelArrays, snapshotKey, snapshot: parts } = result.decoded;
  const h = header as unknown as BundleHeader;
  const recommender = getAlgorithm(h.algorithm).load({
    algorithm: h.algorithm,
    params: h.params,
    numUsers: h.numUsers,
    numItems: h.numItems,
    arrays: modelArrays,
    meta: h.meta,
  });
  const { key, ...snapshot } = await snapshots.resolve(snapshotKey, parts, held);
  return {
    ...snapshot,
    snapshotKey: key,
    id: version.id,
    version: version.version,
    algorithm: h.algorithm,
    recommender,
    metrics: version.metrics,
    trainedAt: h.trainedAt,
  };
}
