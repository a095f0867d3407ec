import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadMovieLens } from '../src/evaluation/movielens';
import { BenchDataset, DatasetItem, DatasetUser, actionCode } from './dataset';

/** dist/bench → the repository root. */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** Where MovieLens 100K is expected: MOVIELENS_DIR, else the shared data folder next to the checkout. */
export function movieLensDir(): string {
  return process.env.MOVIELENS_DIR ?? resolve(REPO_ROOT, '..', 'shared', 'data', 'ml-100k');
}

/** Undefined (with the reason) when the data is absent, so the caller can skip with a message. */
export function loadMovieLensDataset(dir = movieLensDir()): { dataset?: BenchDataset; skipped?: string } {
  if (!existsSync(resolve(dir, 'u.data')) && !existsSync(resolve(dir, 'ratings.csv'))) {
    return { skipped: `MovieLens not found in ${dir} (set MOVIELENS_DIR); MovieLens serving skipped` };
  }
  const movies = loadMovieLens(dir);
  const items: DatasetItem[] = Array.from(movies.itemIds, (id, index) => ({
    id: `ml_${id}`,
    name: movies.titles[index] || `movie ${id}`,
    type: 'movie',
    city: null,
    venue: null,
    // Films do not start: no date, so the "already started" filter never removes them.
    startsAt: null,
    endsAt: null,
    genres: genresOf(movies.itemFeatures, movies.genres, index),
    artists: [],
    tags: [],
  }));
  const users: DatasetUser[] = Array.from(movies.userIds, (id) => ({ id: `mlu_${id}`, city: null, preferences: {} }));
  const { ratings } = movies;
  const order = Int32Array.from({ length: ratings.user.length }, (_, k) => k).sort(
    (a, b) => ratings.time[a] - ratings.time[b] || a - b,
  );
  const rate = actionCode('rate');
  return {
    dataset: {
      name: `MovieLens ${movies.layout === 'ml-100k' ? '100K' : 'latest'}`,
      description: `${users.length} users × ${items.length} movies × ${ratings.user.length} ratings, as \`rate\` feedback`,
      items,
      users,
      events: {
        user: Int32Array.from(order, (k) => ratings.user[k]),
        item: Int32Array.from(order, (k) => ratings.item[k]),
        action: new Uint8Array(order.length).fill(rate),
        value: Float32Array.from(order, (k) => ratings.rating[k]),
        occurredAt: Float64Array.from(order, (k) => ratings.time[k] * 1000),
      },
    },
  };
}

function genresOf(features: { indptr: Int32Array; indices: Int32Array }, names: string[], item: number): string[] {
  const genres: string[] = [];
  for (let k = features.indptr[item]; k < features.indptr[item + 1]; k++) genres.push(names[features.indices[k]]);
  return genres;
}
