import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadMovieLens, MovieLens } from '../evaluation/movielens';
import { ImportSource, SourceRecord } from './import-source';

/** The files each layout needs; loadMovieLens also reads u.genre for the names of u.item's genre flags. */
const LAYOUT_FILES = {
  'ml-100k': ['u.data', 'u.item', 'u.genre'],
  'ml-latest': ['ratings.csv', 'movies.csv'],
} as const;

/** "unknown" is ML-100K's flag for "no genre", as "(no genres listed)" is ml-latest's: not a genre to recommend by. */
export const NO_GENRE = 'unknown';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A MovieLens folder as the API would receive it: the movies as items, then the ratings as `rate`
 * feedback with deterministic feedback ids, so importing the folder twice stores every rating once.
 */
export function movieLensSources(dir: string): ImportSource[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
  const layout = existsSync(join(dir, LAYOUT_FILES['ml-100k'][0])) ? 'ml-100k' : 'ml-latest';
  const missing = LAYOUT_FILES[layout].filter((file) => !existsSync(join(dir, file)));
  if (missing.length === LAYOUT_FILES[layout].length) {
    throw new Error(
      `no MovieLens data in ${dir}: expected u.data + u.item + u.genre (ML-100K) or ratings.csv + movies.csv (ml-latest)`,
    );
  }
  if (missing.length > 0) throw new Error(`${dir} looks like ${layout} but lacks ${missing.join(', ')}`);
  const movies = loadMovieLens(dir);
  return [
    itemSource(movies, movies.layout === 'ml-100k' ? readReleaseDates(dir) : new Map<number, string>()),
    feedbackSource(movies),
  ];
}

function itemSource(movies: MovieLens, releaseDates: Map<number, string>): ImportSource {
  const file = movies.layout === 'ml-100k' ? 'u.item' : 'movies.csv';
  const { indptr, indices } = movies.itemFeatures;
  return {
    kind: 'item',
    size: movies.numItems,
    async *records(): AsyncGenerator<SourceRecord> {
      for (let index = 0; index < movies.numItems; index++) {
        const title = movies.titles[index];
        // Rated but not listed: the feedback creates a placeholder item instead.
        if (title === '') continue;
        const movieId = movies.itemIds[index];
        const genres = Array.from(indices.subarray(indptr[index], indptr[index + 1]), (genre) => movies.genres[genre]);
        const releaseDate = releaseDates.get(movieId);
        const year = yearOf(title);
        yield {
          where: `${file} movie ${movieId}`,
          done: index + 1,
          value: {
            id: `ml_${movieId}`,
            name: title,
            type: 'movie',
            genres: genres.filter((genre) => genre !== NO_GENRE),
            // Films never "start": starts_at stays absent, or every movie would count as a past event.
            metadata: {
              ...(releaseDate !== undefined ? { release_date: releaseDate } : year !== undefined ? { year } : {}),
              source: 'movielens',
            },
          },
        };
      }
    },
  };
}

function feedbackSource(movies: MovieLens): ImportSource {
  const file = movies.layout === 'ml-100k' ? 'u.data' : 'ratings.csv';
  const { user, item, rating, time } = movies.ratings;
  return {
    kind: 'feedback',
    size: user.length,
    async *records(): AsyncGenerator<SourceRecord> {
      for (let row = 0; row < user.length; row++) {
        const userId = movies.userIds[user[row]];
        const movieId = movies.itemIds[item[row]];
        yield {
          where: `${file} rating ${row + 1}`,
          done: row + 1,
          value: {
            feedback_id: `ml:${userId}:${movieId}:${time[row]}`,
            user_id: `ml_${userId}`,
            event_id: `ml_${movieId}`,
            action: 'rate',
            value: rating[row],
            context: { timestamp: new Date(time[row] * 1000).toISOString() },
          },
        };
      }
    },
  };
}

/**
 * u.item's third field, which loadMovieLens does not keep: "01-Jan-1995" becomes "1995-01-01".
 * Movies without a date (movie 267, "unknown") are left out.
 */
function readReleaseDates(dir: string): Map<number, string> {
  const dates = new Map<number, string>();
  for (const line of readFileSync(join(dir, 'u.item'), 'latin1').split(/\r?\n/)) {
    const [id, , date] = line.split('|');
    const match = /^(\d{2})-([A-Z][a-z]{2})-(\d{4})$/.exec(date ?? '');
    const month = match ? MONTHS.indexOf(match[2]) + 1 : 0;
    if (match && month > 0) dates.set(Number(id), `${match[3]}-${String(month).padStart(2, '0')}-${match[1]}`);
  }
  return dates;
}

/** MovieLens titles end in the release year: "Toy Story (1995)". */
function yearOf(title: string): number | undefined {
  const match = /\((\d{4})\)\s*$/.exec(title);
  return match ? Number(match[1]) : undefined;
}
