// Issue 16's headline figure measured the way a user meets it: Microsoft Recommenders' split of
// ML-100K (75/25 stratified by item, seed 42, the same rows as `npm run evaluate`), the training part
// written as a MovieLens folder and imported by the real importer into a fresh SQLite file, the
// service started on it as a real process with default configuration, and NDCG@10 computed from
// POST /v1/recommendations for every test user, per algorithm and with no algorithm (`auto`).
// Run after `npm run build:all`: node scripts/accuracy-through-api.mjs [MovieLens folder]
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = resolve(ROOT, process.argv[2] ?? '../shared/data/ml-100k');
/** `npm run evaluate -- --data ../shared/data/ml-100k` (README Accuracy): test NDCG@10, in process. */
const IN_PROCESS = {
  popularity: 0.2524,
  collaborative_filtering: 0.4397,
  item_knn: 0.3898,
  content_based: 0.0376,
  matrix_factorization: 0.491,
  ease: 0.4806,
  hybrid: 0.4914,
};
const CONCURRENCY = 4;
const TRAINING_TIMEOUT_MS = 30 * 60_000;

if (!existsSync(join(DATA, 'u.data'))) {
  console.log(`no ML-100K in ${DATA} (u.data missing): nothing to measure`);
  process.exit(0);
}
if (!existsSync(join(ROOT, 'dist/src/main.js'))) {
  console.error('dist/ is missing: run `npm run build:all` first');
  process.exit(2);
}
const { loadMovieLens } = await import('../dist/src/evaluation/movielens.js');
const { stratifiedSplitByItem } = await import('../dist/src/evaluation/split.js');
const { ndcgAtK } = await import('../dist/src/evaluation/metrics.js');
const { ALGORITHMS } = await import('../dist/src/algorithms/types.js');

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

/** The split `npm run evaluate` uses, as service ids: per user, training and test item ids. */
function split() {
  const movies = loadMovieLens(DATA);
  const { train, test } = stratifiedSplitByItem(movies.ratings.item, 0.75, 42);
  const userId = (row) => `ml_${movies.userIds[movies.ratings.user[row]]}`;
  const itemId = (row) => `ml_${movies.itemIds[movies.ratings.item[row]]}`;
  const byUser = (rows) => {
    const map = new Map();
    for (const row of rows) {
      if (!map.has(userId(row))) map.set(userId(row), new Set());
      map.get(userId(row)).add(itemId(row));
    }
    return map;
  };
  return { trainRows: train, testRows: test, trained: byUser(train), tested: byUser(test) };
}

/** A MovieLens folder holding only the training ratings (u.data lines in file order) and the catalogue files. */
function writeTrainingFolder(dir, trainRows) {
  // loadMovieLens numbers the non-empty lines of u.data, so row r is the r-th non-empty line.
  const lines = readFileSync(join(DATA, 'u.data'), 'latin1')
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
  writeFileSync(join(dir, 'u.data'), Array.from(trainRows, (row) => `${lines[row]}\n`).join(''), 'latin1');
  for (const file of ['u.item', 'u.genre', 'u.user']) {
    if (existsSync(join(DATA, file))) copyFileSync(join(DATA, file), join(dir, file));
  }
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function waitUntilReady(base, service) {
  for (;;) {
    if (service.exitCode !== null) throw new Error(`the service exited with ${service.exitCode}`);
    try {
      if ((await fetch(`${base}/health/ready`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(500);
  }
}

/** Waits until no version is training and every algorithm has an active one (or its run failed). */
async function waitForFirstModels(api) {
  const deadline = Date.now() + TRAINING_TIMEOUT_MS;
  let last = '';
  for (;;) {
    const { models } = await api('GET', '/v1/models?limit=100');
    const state = Object.fromEntries(ALGORITHMS.map((name) => [name, models.find((m) => m.algorithm === name)]));
    const summary = ALGORITHMS.map((name) => `${name} ${state[name]?.status ?? 'none'}`).join(', ');
    if (summary !== last) console.log(`[${elapsed()}] ${summary}`);
    last = summary;
    const settled = ALGORITHMS.every((name) => state[name] && state[name].status !== 'training');
    if (settled) return state;
    if (Date.now() > deadline) throw new Error(`training not finished after ${TRAINING_TIMEOUT_MS / 60_000} min`);
    await sleep(3000);
  }
}

/** Runs `task` over `inputs`, CONCURRENCY at a time, keeping their order. */
async function mapConcurrently(inputs, task) {
  const results = new Array(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const at = next++;
      results[at] = await task(inputs[at]);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
}

/** NDCG@10 over the test users of one algorithm (undefined: the default), and what the API excluded. */
async function measure(api, users, trained, tested, algorithm) {
  const served = new Map();
  let ndcg = 0;
  let ratedServed = 0;
  let fallbacks = 0;
  let short = 0;
  await mapConcurrently(users, async (user) => {
    const body = await api('POST', '/v1/recommendations', {
      user_id: user,
      limit: 10,
      ...(algorithm && { algorithm }),
    });
    const items = body.recommendations.map((r) => r.event_id);
    served.set(body.algorithm, (served.get(body.algorithm) ?? 0) + 1);
    if (body.fallback) fallbacks++;
    if (items.length < 10) short++;
    ratedServed += items.filter((item) => trained.get(user).has(item)).length;
    const relevant = new Set([...tested.get(user)].filter((item) => !trained.get(user).has(item)));
    ndcg += ndcgAtK(items, relevant, 10);
  });
  return { ndcg: ndcg / users.length, served, ratedServed, fallbacks, short };
}

const work = mkdtempSync(join(tmpdir(), 'accuracy-api-'));
let service;
try {
  const { trainRows, testRows, trained, tested } = split();
  console.log(
    `[${elapsed()}] split of ${DATA}: ${trainRows.length} train / ${testRows.length} test rows (75/25 by item, seed 42)`,
  );
  writeTrainingFolder(work, trainRows);
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite:${join(work, 'ml.sqlite')}`,
    ENVIRONMENT: 'development',
    SEED_DEMO_DATA: 'false',
    LOG_LEVEL: 'warn',
  };
  const imported = spawnSync(process.execPath, ['dist/src/cli/import.js', '--format', 'movielens', work], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  if (imported.status !== 0) throw new Error(`import failed (${imported.status}): ${imported.stderr}`);
  console.log(`[${elapsed()}] imported: ${imported.stdout.trim().split('\n').slice(-3).join(' | ')}`);

  const port = await freePort();
  const apiKey = randomBytes(24).toString('hex');
  const log = openSync(join(work, 'service.log'), 'a');
  // An API key only lifts the per-address rate limit (500 a minute) that ~7,500 requests would hit.
  service = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: ROOT,
    env: { ...env, SERVICE_PORT: String(port), CACHE_TTL_SECONDS: '0', API_KEYS: apiKey },
    stdio: ['ignore', log, log],
  });
  const base = `http://127.0.0.1:${port}`;
  const api = async (method, path, body) => {
    for (;;) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: body && JSON.stringify(body),
      });
      if (response.status === 429) {
        await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
        continue;
      }
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response.json();
    }
  };
  await waitUntilReady(base, service);
  console.log(`[${elapsed()}] service ready on port ${port}; waiting for the first training run`);
  const versions = await waitForFirstModels(api);

  // Users the service knows (they have training rows) with a test item they have not rated.
  const users = [...tested.keys()].filter(
    (user) => trained.has(user) && [...tested.get(user)].some((item) => !trained.get(user).has(item)),
  );
  console.log(`[${elapsed()}] models settled; asking for ${users.length} users' top 10`);
  const rows = [];
  for (const algorithm of [...ALGORITHMS, undefined]) {
    const result = await measure(api, users, trained, tested, algorithm);
    rows.push({ algorithm, ...result });
    console.log(`[${elapsed()}] ${algorithm ?? '(default)'}: NDCG@10 ${result.ndcg.toFixed(4)}`);
  }

  const info = await api('GET', '/v1/model/info');
  console.log('');
  console.log(
    `${'algorithm'.padEnd(24)}${'version'.padStart(9)}${'holdout'.padStart(9)}${'API'.padStart(9)}${'in-proc'.padStart(9)}  notes`,
  );
  for (const row of rows) {
    const name = row.algorithm ?? 'default (auto)';
    const version = row.algorithm ? versions[row.algorithm] : undefined;
    const holdout = version?.metrics?.ndcg_at_10;
    const notes = [
      version && version.status !== 'active' ? `status ${version.status}` : '',
      row.algorithm ? '' : `served ${[...row.served].map(([a, n]) => `${a} ×${n}`).join(', ')}`,
      row.fallbacks ? `${row.fallbacks} fallbacks` : '',
      row.short ? `${row.short} lists under 10` : '',
      row.ratedServed ? `${row.ratedServed} rated items served` : '',
    ].filter(Boolean);
    console.log(
      `${name.padEnd(24)}${(version?.version ?? '').padStart(9)}${(holdout === undefined ? '' : holdout.toFixed(4)).padStart(9)}` +
        `${row.ndcg.toFixed(4).padStart(9)}${(row.algorithm ? IN_PROCESS[row.algorithm].toFixed(4) : '').padStart(9)}  ${notes.join('; ')}`,
    );
  }
  const best = rows.filter((row) => row.algorithm).reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
  const auto = rows.find((row) => !row.algorithm);
  // Sums taken in a different order can differ in the last bits: no "-0.0000".
  const gap = Math.abs(best.ndcg - auto.ndcg) < 5e-5 ? 0 : best.ndcg - auto.ndcg;
  console.log(
    `\nbest through the API: ${best.algorithm} ${best.ndcg.toFixed(4)}; default (auto, /v1/model/info: ${info.algorithm} ${info.model_version}) ` +
      `${auto.ndcg.toFixed(4)}, ${gap.toFixed(4)} below the best`,
  );
  console.log(
    `rated items in any list: ${rows.reduce((sum, row) => sum + row.ratedServed, 0)} (the API excludes what a user rated)`,
  );
  console.log(
    `took ${elapsed()}; command: node scripts/accuracy-through-api.mjs${process.argv[2] ? ` ${process.argv[2]}` : ''}`,
  );
} finally {
  if (service && service.exitCode === null) {
    service.kill('SIGTERM');
    await new Promise((done) => service.once('exit', done));
  }
  rmSync(work, { recursive: true, force: true });
}
