import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './movielens-data';
import { loadIntoSqlite, migrateSqlite } from './sqlite-loader';
import { SyntheticShape, generateSynthetic } from './synthetic-data';

/** Gitignored: built databases kept between runs, since the large ones take minutes to build. */
const CACHE_DIR = join(REPO_ROOT, 'bench', '.cache');
/** Event dates start in the future relative to the build, so a file older than this is rebuilt. */
const CACHE_DAYS = 7;
const DAY_MS = 24 * 3600 * 1000;

/**
 * A copy in `workDir` of the synthetic SQLite database of this shape, built once and kept under
 * bench/.cache/ (keyed by shape, seed and the migrations it was built with). Returns its path and
 * how long the build took, or null when the cached file was reused.
 */
export async function syntheticSqliteCopy(
  shape: SyntheticShape,
  workDir: string,
  name: string,
  log: (line: string) => void,
): Promise<{ file: string; buildSeconds: number | null }> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const cached = join(
    CACHE_DIR,
    `synthetic-${shape.users}u-${shape.items}i-${shape.interactions}n-${shape.seed}-${migrationsKey()}.sqlite`,
  );
  let buildSeconds: number | null = null;
  if (!existsSync(cached) || Date.now() - statSync(cached).mtimeMs > CACHE_DAYS * DAY_MS) {
    const started = performance.now();
    const building = `${cached}.building`;
    for (const leftover of [building, `${building}-wal`, `${building}-shm`]) rmSync(leftover, { force: true });
    log(
      `  building ${shape.interactions.toLocaleString('en')} interactions into ${cached} (kept for ${CACHE_DAYS} days)`,
    );
    await migrateSqlite(building);
    const dataset = generateSynthetic(shape, Date.now());
    log(`  generated in ${((performance.now() - started) / 1000).toFixed(0)} s; loading into SQLite`);
    loadIntoSqlite(building, dataset);
    renameSync(building, cached);
    buildSeconds = (performance.now() - started) / 1000;
    log(`  built in ${buildSeconds.toFixed(0)} s`);
  } else {
    log(`  reusing ${cached}`);
  }
  const file = join(workDir, `${name}.sqlite`);
  copyFileSync(cached, file);
  return { file, buildSeconds };
}

/** The compiled migrations' names: a file built before a new migration is built again. */
function migrationsKey(): string {
  const names = readdirSync(resolve(__dirname, '..', 'migrations'))
    .filter((n) => n.endsWith('.js'))
    .sort();
  return createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 8);
}
