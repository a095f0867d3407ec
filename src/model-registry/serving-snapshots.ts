import { Injectable } from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Csr } from '../algorithms/types';
import { SnapshotParts } from './decode-artifact.worker';
import { SortedIdIndex } from './sorted-id-index';

/**
 * What one training run's models share, held once however many of them serve: the id
 * dictionaries and every user's history and exclusions, from which models keep serving while
 * the database is out.
 */
export interface ServingSnapshot {
  key: string;
  /** Interactions with a larger id arrived after the snapshot and are read per request. */
  lastInteractionId: number;
  itemIds: string[];
  itemIndex: Map<string, number>;
  userIndex: SortedIdIndex;
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

/**
 * The snapshots of the models in memory, by content digest, so that the models of one training
 * run (and a version loaded again) share one copy. Held weakly: a snapshot goes with the last
 * model that serves from it.
 */
@Injectable()
export class ServingSnapshots {
  private readonly byKey = new Map<string, WeakRef<ServingSnapshot>>();
  private readonly cleanup = new FinalizationRegistry<string>((key) => {
    if (this.byKey.get(key)?.deref() === undefined) this.byKey.delete(key);
  });

  /** The snapshots alive now; the caller keeps them alive while it decides whether to reuse one. */
  held(): ServingSnapshot[] {
    return [...this.byKey.values()].map((ref) => ref.deref()).filter((s): s is ServingSnapshot => s !== undefined);
  }

  /** The snapshot with this key among `held`, or a new one made of `parts`. */
  async resolve(key: string, parts: SnapshotParts | undefined, held: ServingSnapshot[]): Promise<ServingSnapshot> {
    const known = held.find((snapshot) => snapshot.key === key);
    if (known) return known;
    if (!parts) throw new Error(`snapshot ${key} was reported held but is not`);
    const snapshot = await snapshotOf(key, parts);
    this.byKey.set(key, new WeakRef(snapshot));
    this.cleanup.register(snapshot, key);
    return snapshot;
  }
}

async function snapshotOf(key: string, parts: SnapshotParts): Promise<ServingSnapshot> {
  const { arrays } = parts;
  return {
    key,
    lastInteractionId: parts.lastInteractionId,
    itemIds: parts.itemIds,
    itemIndex: await indexOf(parts.itemIds),
    userIndex: new SortedIdIndex(parts.users),
    featureIndex: await indexOf(parts.featureNames),
    featureNames: parts.featureNames,
    featureLabels: parts.featureLabels,
    cityIndex: await indexOf(parts.cityNames),
    cityNames: parts.cityNames,
    history: {
      rows: parts.arrays['history.indptr'].length - 1,
      cols: parts.itemIds.length,
      indptr: arrays['history.indptr'] as Int32Array,
      indices: arrays['history.indices'] as Int32Array,
      values: arrays['history.values'] as Float32Array,
    },
    excluded: { indptr: arrays['excluded.indptr'] as Int32Array, indices: arrays['excluded.indices'] as Int32Array },
  };
}

const INDEX_SLICE = 10_000;

/** Built in slices with a turn of the event loop between: a Map of 100k ids takes ~100 ms. */
async function indexOf(names: string[]): Promise<Map<string, number>> {
  const index = new Map<string, number>();
  for (let start = 0; start < names.length; start += INDEX_SLICE) {
    const end = Math.min(names.length, start + INDEX_SLICE);
    for (let k = start; k < end; k++) index.set(names[k], k);
    if (end < names.length) await nextTurn();
  }
  return index;
}
