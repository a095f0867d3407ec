import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCsr } from '../algorithms/sparse';
import { Csr, EventLog, TrainingData } from '../algorithms/types';

/** One rating per row, in file order, with users and items already dense indices. */
export interface RatingRows {
  user: Int32Array;
  item: Int32Array;
  rating: Float32Array;
  time: Float64Array;
}

export interface MovieLens {
  layout: 'ml-100k' | 'ml-latest';
  ratings: RatingRows;
  numUsers: number;
  numItems: number;
  /** MovieLens ids per dense index, ascending. */
  userIds: Int32Array;
  itemIds: Int32Array;
  titles: string[];
  genres: string[];
  /** items × genres, 1 where the movie has the genre. */
  itemFeatures: Csr;
}

/** How a rating becomes an event weight: the rating itself, or 1 for "the user rated it". */
export type Weighting = 'rating' | 'binary';

interface RawRatings {
  user: number[];
  item: number[];
  rating: number[];
  time: number[];
}

interface RawMovies {
  ids: number[];
  titles: string[];
  genres: string[];
  /** Genre indices per movie. */
  movieGenres: number[][];
}

export class MissingMovieLensError extends Error {}

/**
 * Reads a MovieLens folder: the ML-100K layout (`u.data`, `u.item`, `u.genre`, ISO-8859-1) or the
 * ml-latest(-small) layout (`ratings.csv`, `movies.csv`: header row, CRLF, `|`-separated genres).
 */
export function loadMovieLens(dir: string): MovieLens {
  if (existsSync(join(dir, 'u.data'))) {
    return encode('ml-100k', readRatings(join(dir, 'u.data'), '\t', false), readMovies100k(dir));
  }
  if (existsSync(join(dir, 'ratings.csv'))) {
    return encode('ml-latest', readRatings(join(dir, 'ratings.csv'), ',', true), readMoviesLatest(dir));
  }
  throw new MissingMovieLensError(
    `no MovieLens data in ${dir}: expected u.data (ML-100K) or ratings.csv (ml-latest-small)`,
  );
}

function lines(path: string, encoding: BufferEncoding): string[] {
  return readFileSync(path, encoding)
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
}

function readRatings(path: string, separator: string, header: boolean): RawRatings {
  const raw: RawRatings = { user: [], item: [], rating: [], time: [] };
  for (const line of lines(path, 'latin1').slice(header ? 1 : 0)) {
    const [user, item, rating, time] = line.split(separator);
    raw.user.push(Number(user));
    raw.item.push(Number(item));
    raw.rating.push(Number(rating));
    raw.time.push(Number(time));
  }
  return raw;
}

function readMovies100k(dir: string): RawMovies {
  const genres = lines(join(dir, 'u.genre'), 'latin1').map((line) => line.split('|')[0]);
  const movies: RawMovies = { ids: [], titles: [], genres, movieGenres: [] };
  for (const line of lines(join(dir, 'u.item'), 'latin1')) {
    const fields = line.split('|');
    const flags = fields.slice(fields.length - genres.length);
    movies.ids.push(Number(fields[0]));
    movies.titles.push(fields[1]);
    movies.movieGenres.push(flags.flatMap((flag, genre) => (flag === '1' ? [genre] : [])));
  }
  return movies;
}

/** "(no genres listed)" is MovieLens' marker for none, not a genre. */
function readMoviesLatest(dir: string): RawMovies {
  const genreIndex = new Map<string, number>();
  const movies: RawMovies = { ids: [], titles: [], genres: [], movieGenres: [] };
  for (const line of lines(join(dir, 'movies.csv'), 'utf8').slice(1)) {
    const [id, title, genreList] = splitCsvLine(line);
    movies.ids.push(Number(id));
    movies.titles.push(title);
    const names = genreList === '(no genres listed)' ? [] : genreList.split('|');
    movies.movieGenres.push(
      names.map((name) => {
        if (!genreIndex.has(name)) genreIndex.set(name, movies.genres.push(name) - 1);
        return genreIndex.get(name) ?? -1;
      }),
    );
  }
  return movies;
}

/** Splits one CSV line; fields may be double-quoted, with "" for a literal quote. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let at = 0; at < line.length; at++) {
    const char = line[at];
    if (quoted && char === '"' && line[at + 1] === '"') {
      field += '"';
      at++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (char === ',' && !quoted) {
      fields.push(field);
      field = '';
    } else {
      field += char;
    }
  }
  fields.push(field);
  return fields;
}

/** Dense indices by ascending MovieLens id; the catalogue is every listed movie plus every rated one. */
function encode(layout: MovieLens['layout'], raw: RawRatings, movies: RawMovies): MovieLens {
  const userIds = Int32Array.from(new Set(raw.user)).sort();
  const itemIds = Int32Array.from(new Set([...movies.ids, ...raw.item])).sort();
  const userIndex = new Map(Array.from(userIds, (id, index) => [id, index]));
  const itemIndex = new Map(Array.from(itemIds, (id, index) => [id, index]));
  const indexOfItem = (id: number) => itemIndex.get(id) ?? -1;

  const titles = new Array<string>(itemIds.length).fill('');
  const featureItem: number[] = [];
  const featureGenre: number[] = [];
  movies.ids.forEach((id, m) => {
    titles[indexOfItem(id)] = movies.titles[m];
    for (const genre of movies.movieGenres[m]) {
      featureItem.push(indexOfItem(id));
      featureGenre.push(genre);
    }
  });
  return {
    layout,
    ratings: {
      user: Int32Array.from(raw.user, (id) => userIndex.get(id) ?? -1),
      item: Int32Array.from(raw.item, indexOfItem),
      rating: Float32Array.from(raw.rating),
      time: Float64Array.from(raw.time),
    },
    numUsers: userIds.length,
    numItems: itemIds.length,
    userIds,
    itemIds,
    titles,
    genres: movies.genres,
    itemFeatures: buildCsr(
      itemIds.length,
      movies.genres.length,
      Int32Array.from(featureItem),
      Int32Array.from(featureGenre),
      new Float32Array(featureItem.length).fill(1),
    ),
  };
}

/** The chosen rating rows as an event log in time order (ties keep file order). */
export function ratingEvents(movies: MovieLens, rows: Int32Array, weighting: Weighting): EventLog {
  const { ratings } = movies;
  const ordered = Int32Array.from(rows).sort((a, b) => ratings.time[a] - ratings.time[b] || a - b);
  return {
    user: Int32Array.from(ordered, (row) => ratings.user[row]),
    item: Int32Array.from(ordered, (row) => ratings.item[row]),
    weight: Float32Array.from(ordered, (row) => (weighting === 'rating' ? ratings.rating[row] : 1)),
    time: Float64Array.from(ordered, (row) => ratings.time[row]),
  };
}

/** TrainingData over the chosen rows; MovieLens has no cities, and "now" is the newest rating. */
export function movieLensTrainingData(movies: MovieLens, rows: Int32Array, weighting: Weighting): TrainingData {
  const events = ratingEvents(movies, rows, weighting);
  return {
    numUsers: movies.numUsers,
    numItems: movies.numItems,
    events,
    itemFeatures: movies.itemFeatures,
    itemCity: new Int32Array(movies.numItems).fill(-1),
    referenceTime: events.time.length > 0 ? events.time[events.time.length - 1] : 0,
  };
}
