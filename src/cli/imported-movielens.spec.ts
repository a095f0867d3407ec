import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMovieLens } from '../evaluation/movielens';
import { importedMovieLens } from './imported-movielens';

/** Three movies (ids 1, 2, 10), two users, one rating each of every movie. */
function tinyMovieLens() {
  const dir = mkdtempSync(join(tmpdir(), 'imported-movielens-'));
  writeFileSync(join(dir, 'u.genre'), 'unknown|0\nDrama|1\n');
  writeFileSync(
    join(dir, 'u.item'),
    ['1|Alpha (1995)|01-Jan-1995||x|0|1', '2|Beta (1995)|01-Jan-1995||x|0|1', '10|Gamma (1995)|01-Jan-1995||x|0|1']
      .map((line) => `${line}\n`)
      .join(''),
  );
  writeFileSync(
    join(dir, 'u.data'),
    ['1\t1\t5\t100', '1\t2\t4\t101', '1\t10\t3\t102', '2\t10\t5\t103'].map((line) => `${line}\n`).join(''),
  );
  return loadMovieLens(dir);
}

describe('importedMovieLens', { timeout: 60_000 }, () => {
  it('should index movies as the service reads its catalogue: by id as a string, ml_1, ml_10, ml_2', () => {
    const movies = tinyMovieLens();
    const imported = importedMovieLens(movies, Int32Array.of(0, 1, 2, 3), 0);
    // Rows 1, 2, 3 rate movies 2, 10, 10: indices 2, 1, 1 in string order (1, 2, 2 in numeric order).
    assert.deepEqual(Array.from(imported.events(Int32Array.of(1, 2, 3)).item), [2, 1, 1]);
    assert.deepEqual(Array.from(imported.data.events.item), [0, 2, 1, 1]);
  });
});
