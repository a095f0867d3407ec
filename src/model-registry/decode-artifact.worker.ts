import { createHash } from 'node:crypto';
import { CorruptArtifactError, decodeBundle, sha256 } from '../algorithms/artifact-codec';
import { NumericArray } from '../algorithms/types';
import { transferring } from '../workers/transfer';
import { SortedIdTable, sortedIdTable } from './sorted-id-index';

export interface DecodeArtifactRequest {
  /** The stored chunks, in order. */
  chunks: Uint8Array[];
  checksum: string | null;
  /** Keys of the snapshots the caller holds already: a bundle carrying one of them comes back without it. */
  heldSnapshots: string[];
}

/** The bundle's facts of its own (algorithm, params, meta, sizes, time of training). */
export type ModelHeader = Record<string, unknown>;

/**
 * What every model of one training run carries alike: the id dictionaries, every user's history
 * and exclusions up to the snapshot's last interaction id.
 */
export interface SnapshotParts {
  lastInteractionId: number;
  users: SortedIdTable;
  itemIds: string[];
  featureNames: string[];
  featureLabels: string[];
  cityNames: string[];
  /** `history.*` and `excluded.*`, each in a buffer of its own. */
  arrays: Record<string, NumericArray>;
}

export interface DecodedModel {
  header: ModelHeader;
  /** The model's own arrays (the bundle's `model.*`, prefix removed), each in a buffer of its own. */
  modelArrays: Record<string, NumericArray>;
  /** A digest of the snapshot's content: equal keys, equal snapshots. */
  snapshotKey: string;
  /** Absent when the caller holds this snapshot already (`heldSnapshots`). */
  snapshot?: SnapshotParts;
}

/** A model whose bytes match the checksum, or why not (as a value: an error's class does not survive the thread). */
export type DecodedArtifact = { decoded: DecodedModel } | { corrupt: string };

const SNAPSHOT_FIELDS = ['lastInteractionId', 'userIds', 'itemIds', 'featureNames', 'featureLabels', 'cityNames'];
const SNAPSHOT_ARRAYS = ['history.indptr', 'history.indices', 'history.values', 'excluded.indptr', 'excluded.indices'];

/**
 * Runs in a piscina worker thread: joins, hashes and decodes an artifact, the copies and the
 * hashing of tens of megabytes that would otherwise stall requests. Each array moves back in a
 * buffer of its own, so a model that shares the snapshot of an earlier one keeps none of the
 * duplicate alive; the snapshot itself comes back only when the caller does not hold it yet.
 */
export default function decodeArtifact({ chunks, checksum, heldSnapshots }: DecodeArtifactRequest): DecodedArtifact {
  const bytes = Buffer.concat(chunks);
  if (checksum === null || sha256(bytes) !== checksum) return { corrupt: 'does not match its checksum' };
  try {
    const bundle = decodeBundle(bytes);
    for (const name of SNAPSHOT_ARRAYS)
      if (!(name in bundle.arrays)) throw new CorruptArtifactError(`artifact has no array ${name}`);
    const { header, arrays } = bundle;
    const snapshotKey = snapshotDigest(header, arrays);
    const modelArrays: Record<string, NumericArray> = {};
    for (const [name, array] of Object.entries(arrays))
      if (name.startsWith('model.')) modelArrays[name.slice('model.'.length)] = array.slice();
    const own: ModelHeader = Object.fromEntries(
      Object.entries(header).filter(([key]) => !SNAPSHOT_FIELDS.includes(key)),
    );
    const decoded: DecodedModel = { header: own, modelArrays, snapshotKey };
    if (!heldSnapshots.includes(snapshotKey)) decoded.snapshot = snapshotParts(header, arrays);
    return transferring({ decoded }, buffersOf(decoded));
  } catch (error) {
    if (error instanceof CorruptArtifactError) return { corrupt: error.message };
    throw error;
  }
}

function snapshotDigest(header: ModelHeader, arrays: Record<string, NumericArray>): string {
  const hash = createHash('sha256').update(JSON.stringify(SNAPSHOT_FIELDS.map((field) => header[field])));
  for (const name of SNAPSHOT_ARRAYS) {
    const array = arrays[name];
    hash.update(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  }
  return hash.digest('hex');
}

function snapshotParts(header: ModelHeader, arrays: Record<string, NumericArray>): SnapshotParts {
  return {
    lastInteractionId: header.lastInteractionId as number,
    users: sortedIdTable(header.userIds as string[]),
    itemIds: header.itemIds as string[],
    featureNames: header.featureNames as string[],
    featureLabels: header.featureLabels as string[],
    cityNames: header.cityNames as string[],
    arrays: Object.fromEntries(SNAPSHOT_ARRAYS.map((name) => [name, arrays[name].slice()])),
  };
}

function buffersOf({ modelArrays, snapshot }: DecodedModel): ArrayBufferLike[] {
  const arrays = [...Object.values(modelArrays), ...Object.values(snapshot?.arrays ?? {})];
  if (snapshot) arrays.push(snapshot.users.bytes, snapshot.users.offsets, snapshot.users.positions);
  return arrays.map((array) => array.buffer);
}
