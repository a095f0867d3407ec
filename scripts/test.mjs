// Runs the compiled test files with Node's own test runner, one file at a time (they share
// one database per dialect). Arguments filter by path: `npm test -- algorithms`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function findSpecs(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findSpecs(path);
    return name.endsWith('.spec.js') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const specs = ['dist/src', 'dist/test']
  .filter((dir) => existsSync(dir))
  .flatMap((dir) => findSpecs(dir))
  .filter((path) => filters.length === 0 || filters.some((f) => path.includes(f)))
  .sort();
if (specs.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// Each spec's suites carry their own timeout, but on Node 20 that does not cover their before
// hooks: --test-timeout bounds each file as a whole, and --test-force-exit ends a file whose
// tests are over even if a handle it leaked (a timer, a socket) would keep it open. Either way a
// hang fails, naming the file, instead of stalling the run.
const FILE_TIMEOUT_MS = 15 * 60 * 1000;
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-force-exit', `--test-timeout=${FILE_TIMEOUT_MS}`, ...specs],
  {
    stdio: 'inherit',
    env: { TZ: 'UTC', ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  },
);
process.exit(result.status ?? 1);
