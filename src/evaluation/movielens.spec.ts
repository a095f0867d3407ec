import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadMovieLens, movieLensTrainingData, splitCsvLine } from './movielens';
import { sharedDataDir } from './shared-data';

const ML_100K = sharedDataDir('ml-100k');
const ML_LATEST = sharedDataDir('ml-latest-small');
const noMl100k = existsSync(join(ML_100K, 'u.data')) ? false : 'no MovieLens data at ../shared/data/ml-100k';
const noMlLatest = existsSync(join(ML_LATEST, 'ratings.csv'))
  ? false
  : 'no MovieLens data at ../shared/data/ml-latest-small';

describe('splitCsvLine', { timeout: 300_000 }, () => {
  it('should honour quoted fields and doubled quotes', () => {
    assert.deepEqual(splitCsvLine('11,"American President, The (1995)",Comedy|Drama'), [
      '11',
      'American President, The (1995)',
      'Comedy|Drama',
    ]);
    assert.deepEqual(splitCsvLine('1,"Say ""Hi""",'), ['1', 'Say "Hi"', '']);
  });
});

describe('loadMovieLens', { timeout: 300_000 }, () => {
  it('should read ML-100K with ISO-8859-1 titles and 19 genre features', { skip: noMl100k }, () => {
    const movies = loadMovieLens(ML_100K);
    assert.equal(movies.layout, 'ml-100k');
    assert.equal(movies.ratings.user.length, 100_000);
    assert.equal(movies.numUsers, 943);
    assert.equal(movies.numItems, 1682);
    assert.equal(movies.genres.length, 19);
    const miserables = movies.itemIds.indexOf(543);
    assert.equal(movies.titles[miserables], 'Misérables, Les (1995)');
    // Toy Story: Animation, Children's, Comedy.
    const toyStory = movies.itemIds.indexOf(1);
    const genres = movies.itemFeatures.indices.subarray(
      movies.itemFeatures.indptr[toyStory],
      movies.itemFeatures.indptr[toyStory + 1],
    );
    assert.deepEqual(
      Array.from(genres, (g) => movies.genres[g]),
      ['Animation', "Children's", 'Comedy'],
    );
  });

  it('should read ml-latest-small (header, CRLF, quoted titles, | genres)', { skip: noMlLatest }, () => {
    const movies = loadMovieLens(ML_LATEST);
    assert.equal(movies.layout, 'ml-latest');
    assert.equal(movies.ratings.user.length, 100_836);
    assert.equal(movies.numUsers, 610);
    assert.equal(movies.numItems, 9742);
    assert.equal(movies.titles[movies.itemIds.indexOf(11)], 'American President, The (1995)');
    assert.ok(!movies.genres.includes('(no genres listed)'));
    assert.ok(movies.ratings.rating.includes(0.5));
  });

  it('should build training events in time order with the chosen weights', { skip: noMl100k }, () => {
    const movies = loadMovieLens(ML_100K);
    const rows = Int32Array.of(0, 1, 2, 3);
    const data = movieLensTrainingData(movies, rows, 'rating');
    const times = [...data.events.time];
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.equal(data.referenceTime, times[times.length - 1]);
    assert.deepEqual([...data.events.weight].sort(), Array.from(rows, (row) => movies.ratings.rating[row]).sort());
    const binary = movieLensTrainingData(movies, rows, 'binary').events.weight;
    assert.ok(binary.length > 0, 'no events to check');
    assert.ok(binary.every((w) => w === 1));
  });
});
