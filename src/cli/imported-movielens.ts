import { EventLog, TrainingData } from '../algorithms/types';
import { DEFAULT_FEEDBACK_WEIGHTS } from '../domain/feedback-actions';
import { MovieLens } from '../evaluation/movielens';
import { SnapshotEncoder } from '../training/training-data.builder';
import { NO_GENRE } from './movielens-source';

/** MovieLens rows as the service holds them after `npm run import -- --format movielens`. */
export interface ImportedMovieLens {
  data: TrainingData;
  /** Other rows (a test split) as relevant events in the same index space; rows of unknown users are left out. */
  events(rows: Int32Array): EventLog;
}

/**
 * What a training run reads after the importer stored `rows`: movies as items with their genres,
 * ratings as `rate` feedback weighted by signalWeight with the default feedback weights and
 * `ratingSpread`, encoded by the snapshot encoder the training worker uses, in the importer's
 * order (file order). Exclusions and dictionaries are not needed here.
 */
export function importedMovieLens(movies: MovieLens, rows: Int32Array, ratingSpread: number): ImportedMovieLens {
  const encoder = new SnapshotEncoder(DEFAULT_FEEDBACK_WEIGHTS, ratingSpread);
  const { indptr, indices } = movies.itemFeatures;
  const itemId = (index: number) => `ml_${movies.itemIds[index]}`;
  // The service reads the catalogue ordered by id as a string (ml_1, ml_10, ml_100, …), and item
  // indices break ties in every ranking: numeric order would favour ML-100K's low, popular ids.
  const catalogueOrder = movies.titles.map((_, index) => index).sort((a, b) => compareIds(itemId(a), itemId(b)));
  for (const index of catalogueOrder) {
    const title = movies.titles[index];
    if (title === '') continue;
    const genres = Array.from(indices.subarray(indptr[index], indptr[index + 1]), (genre) => movies.genres[genre]);
    encoder.addItem({
      id: itemId(index),
      name: title,
      type: 'movie',
      city: null,
      venue: null,
      startsAt: null,
      endsAt: null,
      genres: genres.filter((genre) => genre !== NO_GENRE),
      artists: [],
      tags: [],
      metadata: {},
      isPlaceholder: false,
      createdAt: 0,
      updatedAt: 0,
      deletedAt: null,
    });
  }
  const { ratings } = movies;
  const userId = (row: number) => `ml_${movies.userIds[ratings.user[row]]}`;
  const ratedId = (row: number) => itemId(ratings.item[row]);
  for (const [k, row] of Array.from(rows)
    .sort((a, b) => a - b)
    .entries()) {
    encoder.addEvent({
      id: k + 1,
      userId: userId(row),
      itemId: ratedId(row),
      action: 'rate',
      value: ratings.rating[row],
      occurredAt: ratings.time[row] * 1000,
    });
  }
  const snapshot = encoder.finish(rows.length);
  const userIndex = new Map(snapshot.userIds.map((id, index) => [id, index]));
  const itemIndex = new Map(snapshot.itemIds.map((id, index) => [id, index]));
  return {
    data: snapshot.data,
    events(testRows) {
      const known = Array.from(testRows).filter((row) => userIndex.has(userId(row)) && itemIndex.has(ratedId(row)));
      return {
        user: Int32Array.from(known, (row) => userIndex.get(userId(row)) ?? -1),
        item: Int32Array.from(known, (row) => itemIndex.get(ratedId(row)) ?? -1),
        weight: new Float32Array(known.length).fill(1),
        time: Float64Array.from(known, (row) => ratings.time[row]),
      };
    },
  };
}

/** Byte order of ASCII ids, as SQLite's BINARY and MySQL's utf8mb4_bin collations sort them. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
