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
  movies.titles.forEach((title, index) => {
    if (title === '') return;
    const genres = Array.from(indices.subarray(indptr[index], indptr[index + 1]), (genre) => movies.genres[genre]);
    encoder.addItem({
      id: `ml_${movies.itemIds[index]}`,
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
  });
  const { ratings } = movies;
  const userId = (row: number) => `ml_${movies.userIds[ratings.user[row]]}`;
  const itemId = (row: number) => `ml_${movies.itemIds[ratings.item[row]]}`;
  for (const [k, row] of Array.from(rows)
    .sort((a, b) => a - b)
    .entries()) {
    encoder.addEvent({
      id: k + 1,
      userId: userId(row),
      itemId: itemId(row),
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
      const known = Array.from(testRows).filter((row) => userIndex.has(userId(row)) && itemIndex.has(itemId(row)));
      return {
        user: Int32Array.from(known, (row) => userIndex.get(userId(row)) ?? -1),
        item: Int32Array.from(known, (row) => itemIndex.get(itemId(row)) ?? -1),
        weight: new Float32Array(known.length).fill(1),
        time: Float64Array.from(known, (row) => ratings.time[row]),
      };
    },
  };
}
