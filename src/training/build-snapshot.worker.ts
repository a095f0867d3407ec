import { DataShape } from '../algorithms/params';
import { DatabaseConfig } from '../config/config';
import { createKnex } from '../database/database';
import { FeedbackAction } from '../domain/feedback-actions';
import { InteractionsRepository, InteractionWindow } from '../repositories/interactions.repository';
import { ItemsRepository } from '../repositories/items.repository';
import { KnownItemIds } from '../repositories/known-item-ids';
import { runAtBackgroundPriority } from '../workers/background-priority';
import { transferring } from '../workers/transfer';
import { readTrainingSnapshot, TrainingSnapshot } from './training-data.builder';

export interface SnapshotRequest {
  database: DatabaseConfig;
  window: Omit<InteractionWindow, 'maxId'>;
  feedbackWeights: Record<FeedbackAction, number>;
}

/**
 * Runs in a piscina worker thread: reads the snapshot over the worker's own connection, so the
 * service's event loop never waits on millions of rows (better-sqlite3 blocks while it reads).
 */
export default async function buildSnapshot(request: SnapshotRequest): Promise<TrainingSnapshot> {
  runAtBackgroundPriority();
  const { database } = request;
  if (database.client === 'sqlite' && database.filename === ':memory:') {
    throw new Error(
      'training reads the database from a worker thread, which cannot see an in-memory SQLite database: use a file',
    );
  }
  const db = createKnex(database, 'reader');
  try {
    const items = new ItemsRepository(db);
    const snapshot = await readTrainingSnapshot(
      { items, interactions: new InteractionsRepository(db, new KnownItemIds()) },
      request.window,
      request.feedbackWeights,
    );
    return transferring(snapshot, snapshotBuffers(snapshot));
  } finally {
    await db.destroy();
  }
}

/** A piscina task (`name: 'countTrainingData'`): the counts a run's admission needs, off the event loop too. */
export async function countTrainingData(request: Pick<SnapshotRequest, 'database' | 'window'>): Promise<DataShape> {
  const db = createKnex(request.database, 'reader');
  try {
    return await new InteractionsRepository(db, new KnownItemIds()).countTrainingData(request.window);
  } finally {
    await db.destroy();
  }
}

function snapshotBuffers({ data, exclusions }: TrainingSnapshot): ArrayBufferLike[] {
  const { events, itemFeatures } = data;
  return [
    events.user,
    events.item,
    events.weight,
    events.time,
    itemFeatures.indptr,
    itemFeatures.indices,
    itemFeatures.values,
    data.itemCity,
    exclusions.user,
    exclusions.item,
  ].map((array) => array.buffer);
}
