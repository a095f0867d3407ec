import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Knex } from 'knex';
import { DatabaseConfig } from '../../src/config/config';
import { createKnex } from '../../src/database/database';
import { InteractionsRepository } from '../../src/repositories/interactions.repository';
import { ItemsRepository } from '../../src/repositories/items.repository';
import { KnownItemIds } from '../../src/repositories/known-item-ids';
import { createTestDatabase, dialectSkip, TestDatabase } from '../support/databases';

/** The nearest folder above this file with a package.json: the checkout, from src or from dist. */
function repoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

const ROOT = repoRoot(__dirname);
const REAL_ML_100K = join(ROOT, '..', 'shared', 'data', 'ml-100k');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a compiled CLI as an operator would: its own process, configured only by the environment. */
function runCli(script: 'import' | 'migrate', args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli', `${script}.js`), ...args], {
      env: { ...process.env, SEED_DEMO_DATA: 'false', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function databaseUrl(config: DatabaseConfig): string {
  if (config.client === 'sqlite') return `sqlite:${config.filename}`;
  const password = config.password === '' ? '' : `:${encodeURIComponent(config.password)}`;
  return `mysql://${encodeURIComponent(config.user)}${password}@${config.host}:${config.port}/${config.database}`;
}

/** The closing report's "label: value" lines. */
function summaryOf(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .map((line) => /^([a-z/ ]+):\s+(\S.*)$/.exec(line))
      .flatMap((match) => (match ? [[match[1], match[2]]] : [])),
  );
}

interface Stored {
  db: Knex;
  items: ItemsRepository;
  interactions: InteractionsRepository;
}

async function readBack<T>(config: DatabaseConfig, read: (stored: Stored) => Promise<T>): Promise<T> {
  const db = createKnex(config);
  try {
    const items = new ItemsRepository(db);
    return await read({ db, items, interactions: new InteractionsRepository(db, new KnownItemIds()) });
  } finally {
    await db.destroy();
  }
}

/** ML-100K's layout and encoding, in miniature: movie 4 is rated but not listed, one rating appears twice. */
function writeMl100k(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'u.genre'), 'unknown|0\nAction|1\nComedy|2\nDrama|3\n\n');
  const movies = [
    '1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|0|0|1|0',
    '2|Misérables, Les (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Mis%E9rables|0|0|0|1',
    "3|C'est arrivé près de chez vous (1992)|15-Mar-1992||http://us.imdb.com/|0|1|1|1",
    '267|unknown||||1|0|0|0',
  ];
  writeFileSync(join(dir, 'u.item'), Buffer.from(`${movies.join('\n')}\n`, 'latin1'));
  const ratings = [
    '196\t1\t3\t881250949',
    '196\t2\t5\t881250950',
    '22\t3\t1\t878887116',
    '22\t4\t4\t878887117',
    '22\t3\t1\t878887116',
  ];
  writeFileSync(join(dir, 'u.data'), `${ratings.join('\n')}\n`);
}

/** ml-latest-small's layout: CSV with a header, CRLF, quoted titles, half-star ratings. */
function writeMlLatest(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const movies = [
    'movieId,title,genres',
    '1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy',
    '2,"American President, The (1995)",Comedy|Drama|Romance',
    "3,Amélie (Fabuleux destin d'Amélie Poulain) (2001),Comedy|Romance",
    '4,Some Short,(no genres listed)',
  ];
  writeFileSync(join(dir, 'movies.csv'), `${movies.join('\r\n')}\r\n`);
  const ratings = [
    'userId,movieId,rating,timestamp',
    '1,1,4.0,964982703',
    '1,3,3.5,964981247',
    '2,2,0.5,1445714835',
    '2,1,5.0,1445714885',
  ];
  writeFileSync(join(dir, 'ratings.csv'), `${ratings.join('\r\n')}\r\n`);
}

const ITEM_LINES = [
  { id: 'evt_1', name: 'Techno Night', city: 'Dublin', starts_at: '2026-12-15T21:00:00.000Z', genres: ['Techno'] },
  '',
  { id: 'evt_2', name: 'Jazz Evening', metadata: { price_eur: 25 } },
  { id: 'evt_bad', name: '' },
  '{"id": "evt_broken", ',
  { id: 'evt_3', name: 'Extra', colour: 'red' },
  { id: 'evt_4', name: 'Backwards', starts_at: '2026-12-15T21:00:00Z', ends_at: '2026-12-15T20:00:00Z' },
  [1, 2],
];

const FEEDBACK_LINES = [
  { feedback_id: 'fb_1', user_id: 'u1', event_id: 'evt_1', action: 'save' },
  {
    feedback_id: 'fb_2',
    user_id: 'u1',
    event_id: 'evt_2',
    action: 'rate',
    value: 4.5,
    context: { recommendation_id: 'rec_1', position: 2, timestamp: '2026-11-01T10:00:00Z' },
  },
  { feedback_id: 'fb_3', user_id: 'u1', event_id: 'evt_2', action: 'rate', value: 7 },
  { feedback_id: 'fb_4', user_id: 'u1', event_id: 'evt_9', action: 'watch', value: 1.5 },
  { feedback_id: 'fb_5', user_id: 'has space', event_id: 'e', action: 'save' },
  { feedback_id: 'fb_6', user_id: 'u2', event_id: 'e', action: 'save', context: { position: -1 } },
  { feedback_id: 'fb_7', user_id: 'u2', event_id: 'e', action: 'save', context: { timestamp: '2099-01-01T00:00:00Z' } },
  { feedback_id: 'fb_8', user_id: 'u2', event_id: 'evt_new', action: 'click' },
  { feedback_id: 'fb_1', user_id: 'u1', event_id: 'evt_1', action: 'save' },
  { user_id: 'u3', event_id: 'evt_1', action: 'teleport' },
];

/** JSON lines as a person would write them: the strings verbatim (blank or broken), everything else serialized; CRLF. */
function writeJsonl(path: string, lines: unknown[]): void {
  writeFileSync(
    path,
    `${lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\r\n')}\r\n`,
  );
}

describe('import CLI on sqlite', { timeout: 600_000 }, () => {
  let dir: string;
  let database: DatabaseConfig;
  const importing = (args: string[]) => runCli('import', args, { DATABASE_URL: databaseUrl(database) });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ml-service-import-'));
    writeMl100k(join(dir, 'ml-100k'));
    writeMlLatest(join(dir, 'ml-latest'));
    writeJsonl(join(dir, 'items.jsonl'), ITEM_LINES);
    writeJsonl(join(dir, 'feedback.jsonl'), FEEDBACK_LINES);
    database = { client: 'sqlite', filename: join(dir, 'import.sqlite') };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('should import an ML-100K folder once, however often it runs', async () => {
    const first = await importing(['--format', 'movielens', join(dir, 'ml-100k')]);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(
      [
        summaryOf(first.stdout)['items imported'],
        summaryOf(first.stdout)['feedback stored'],
        summaryOf(first.stdout)['duplicates skipped'],
      ],
      ['4', '4', '1'],
    );
    // stderr is not a terminal here, so progress comes as plain lines.
    assert.match(first.stderr, /import: 100%/);

    const second = await importing(['--format', 'movielens', join(dir, 'ml-100k')]);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(
      [summaryOf(second.stdout)['feedback stored'], summaryOf(second.stdout)['duplicates skipped']],
      ['0', '5'],
    );

    await readBack(database, async ({ items, interactions }) => {
      const movie = await items.getById('ml_2');
      assert.equal(movie?.name, 'Misérables, Les (1995)');
      assert.deepEqual(movie?.genres, ['Drama']);
      assert.equal(movie?.type, 'movie');
      assert.equal(movie?.startsAt, null);
      assert.deepEqual(movie?.metadata, { release_date: '1995-01-01', source: 'movielens' });
      assert.equal((await items.getById('ml_3'))?.name, "C'est arrivé près de chez vous (1992)");
      assert.deepEqual((await items.getById('ml_3'))?.metadata, { release_date: '1992-03-15', source: 'movielens' });
      // ML-100K's "unknown" genre flag means no genre, and movie 267 has no date or year.
      assert.deepEqual(
        [(await items.getById('ml_267'))?.genres, (await items.getById('ml_267'))?.metadata],
        [[], { source: 'movielens' }],
      );
      assert.equal((await items.getById('ml_4'))?.isPlaceholder, true);

      const history = await interactions.getByUserId('ml_22', 10);
      assert.equal(history.length, 2);
      const rating = history.find((e) => e.itemId === 'ml_3');
      assert.deepEqual(
        [rating?.feedbackId, rating?.action, rating?.value, rating?.occurredAt],
        ['ml:22:3:878887116', 'rate', 1, 878887116 * 1000],
      );
    });
  });

  it('should import the ml-latest layout with CRLF, quoted titles and half stars', async () => {
    const run = await importing(['--format', 'movielens', join(dir, 'ml-latest'), '--batch-size', '2']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual([summaryOf(run.stdout)['items imported'], summaryOf(run.stdout)['feedback stored']], ['4', '4']);
    await readBack(database, async ({ items, interactions }) => {
      const president = await items.getById('ml_2');
      assert.equal(president?.name, 'American President, The (1995)');
      assert.deepEqual(president?.genres, ['Comedy', 'Drama', 'Romance']);
      assert.deepEqual(president?.metadata, { year: 1995, source: 'movielens' });
      assert.equal((await items.getById('ml_3'))?.name, "Amélie (Fabuleux destin d'Amélie Poulain) (2001)");
      assert.deepEqual((await items.getById('ml_4'))?.genres, []);
      const halfStar = (await interactions.getByUserId('ml_2', 10)).find((e) => e.itemId === 'ml_2');
      assert.deepEqual([halfStar?.value, halfStar?.occurredAt], [0.5, 1445714835 * 1000]);
    });
  });

  it('should store the good JSON lines, and report the bad ones by line without storing them', async () => {
    const args = ['--format', 'jsonl', '--items', join(dir, 'items.jsonl'), '--feedback', join(dir, 'feedback.jsonl')];
    const first = await importing(args);
    assert.equal(first.code, 0, first.stderr);
    const summary = summaryOf(first.stdout);
    assert.deepEqual(
      [summary['items imported'], summary['feedback stored'], summary['duplicates skipped'], summary['lines rejected']],
      ['2', '3', '1', '11'],
    );
    for (const reject of [
      /items\.jsonl:4: name should not be empty/,
      /items\.jsonl:5: invalid JSON/,
      /items\.jsonl:6: property colour should not exist/,
      /items\.jsonl:7: .*ends_at must not be before starts_at/,
      /items\.jsonl:8: a line must hold one JSON object/,
      /feedback\.jsonl:3: value must be a rating between 0 and 5/,
      /feedback\.jsonl:4: value must be a completion fraction/,
      /feedback\.jsonl:5: user_id must be 1-191 characters without whitespace/,
      /feedback\.jsonl:6: context\.position must not be less than 0/,
      /feedback\.jsonl:7: context\.timestamp must not be more than 24 hours in the future/,
      /feedback\.jsonl:10: action must be one of/,
    ]) {
      assert.match(first.stdout, reject);
    }

    const second = await importing(args);
    assert.deepEqual(
      [summaryOf(second.stdout)['feedback stored'], summaryOf(second.stdout)['duplicates skipped']],
      ['0', '4'],
    );

    await readBack(database, async ({ items, interactions }) => {
      const techno = await items.getById('evt_1');
      assert.deepEqual(
        [techno?.name, techno?.city, techno?.startsAt, techno?.genres],
        ['Techno Night', 'Dublin', Date.parse('2026-12-15T21:00:00Z'), ['Techno']],
      );
      assert.deepEqual((await items.getById('evt_2'))?.metadata, { price_eur: 25 });
      assert.deepEqual(await items.getByIds(['evt_bad', 'evt_broken', 'evt_3', 'evt_4', 'evt_9', 'e']), []);
      assert.equal((await items.getById('evt_new'))?.isPlaceholder, true);
      const u1 = await interactions.getByUserId('u1', 10);
      assert.deepEqual(u1.map((e) => e.feedbackId).sort(), ['fb_1', 'fb_2']);
      const rated = u1.find((e) => e.feedbackId === 'fb_2');
      assert.deepEqual(
        [rated?.value, rated?.recommendationId, rated?.position, rated?.occurredAt],
        [4.5, 'rec_1', 2, Date.parse('2026-11-01T10:00:00Z')],
      );
      assert.equal((await interactions.getByUserId('u2', 10)).length, 1);
      assert.equal((await interactions.getByUserId('u3', 10)).length, 0);
    });
  });

  it('should list the first 20 rejected lines and count the rest', async () => {
    const path = join(dir, 'all-bad.jsonl');
    writeJsonl(
      path,
      Array.from({ length: 25 }, (_, n) => ({ user_id: `bad_${n}`, event_id: 'e', action: 'rate' })),
    );
    const run = await importing(['--format', 'jsonl', '--feedback', path]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(summaryOf(run.stdout)['lines rejected'], '25');
    assert.equal(run.stdout.match(/all-bad\.jsonl:\d+:/g)?.length, 20);
    assert.match(run.stdout, /and 5 more/);
  });

  it('should write nothing on a dry run, not even a database file', async () => {
    const untouched: DatabaseConfig = { client: 'sqlite', filename: join(dir, 'dry', 'never.sqlite') };
    const run = await runCli('import', ['--dry-run', '--format', 'jsonl', '--items', join(dir, 'items.jsonl')], {
      DATABASE_URL: databaseUrl(untouched),
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual([summaryOf(run.stdout)['items valid'], summaryOf(run.stdout)['lines rejected']], ['2', '5']);
    assert.equal(existsSync(untouched.filename), false);
  });

  it('should exit 2 with the usage on bad arguments, and 0 with it on --help', async () => {
    for (const args of [
      [],
      ['--format', 'csv', 'x'],
      ['--format', 'jsonl'],
      ['--format', 'movielens'],
      ['--format', 'movielens', 'a', 'b'],
      ['--format', 'jsonl', '--items', 'a.jsonl', 'stray'],
      ['--format', 'movielens', 'dir', '--items', 'a.jsonl'],
      ['--format', 'jsonl', '--items', 'a.jsonl', '--batch-size', '0'],
      ['--format', 'jsonl', '--items', 'a.jsonl', '--batch-size', 'many'],
      ['--format', 'jsonl', '--items', 'a.jsonl', '--colour', 'red'],
    ]) {
      const run = await importing(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /usage:/);
    }
    const help = await importing(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage:/);
  });

  it('should exit 1 on a missing folder or file, before touching the database', async () => {
    const fresh: DatabaseConfig = { client: 'sqlite', filename: join(dir, 'missing', 'never.sqlite') };
    for (const args of [
      ['--format', 'movielens', join(dir, 'no-such-folder')],
      ['--format', 'movielens', dir],
      ['--format', 'jsonl', '--items', join(dir, 'items.jsonl'), '--feedback', join(dir, 'no-such.jsonl')],
    ]) {
      const run = await runCli('import', args, { DATABASE_URL: databaseUrl(fresh) });
      assert.equal(run.code, 1, `${args.join(' ')}: ${run.stdout}`);
      assert.match(run.stderr, /import failed: /);
    }
    assert.equal(existsSync(fresh.filename), false);
  });

  it('should exit 1 when the database is unreachable, without printing its password', async () => {
    // Port 1 on the loopback refuses at once.
    const run = await runCli('import', ['--format', 'movielens', join(dir, 'ml-latest')], {
      DATABASE_URL: 'mysql://importer:s3cret-pw@127.0.0.1:1/ml_service',
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /database unreachable/);
    assert.doesNotMatch(run.stdout + run.stderr, /s3cret-pw/);
  });
});

describe('migrate CLI on sqlite', { timeout: 600_000 }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ml-service-migrate-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('should list the migrations it ran, then report nothing to do', async () => {
    const env = { DATABASE_URL: `sqlite:${join(dir, 'migrated.sqlite')}` };
    const first = await runCli('migrate', [], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /20261123000000_initial_schema/);
    const second = await runCli('migrate', [], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Already up to date/);
  });

  it('should exit 1 when the database is unreachable, without printing its password', async () => {
    const run = await runCli('migrate', [], { DATABASE_URL: 'mysql://migrator:s3cret-pw@127.0.0.1:1/ml_service' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /migration failed: database unreachable/);
    assert.doesNotMatch(run.stdout + run.stderr, /s3cret-pw/);
  });
});

describe('import CLI on mysql', { skip: dialectSkip('mysql'), timeout: 600_000 }, () => {
  let dir: string;
  let database: TestDatabase;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ml-service-import-mysql-'));
    writeMlLatest(join(dir, 'ml-latest'));
    writeJsonl(join(dir, 'items.jsonl'), ITEM_LINES);
    writeJsonl(join(dir, 'feedback.jsonl'), FEEDBACK_LINES);
    database = await createTestDatabase('mysql');
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  });

  it('should import MovieLens and JSON lines idempotently', async () => {
    const env = { DATABASE_URL: databaseUrl(database.config) };
    const movielens = ['--format', 'movielens', join(dir, 'ml-latest')];
    const jsonl = ['--format', 'jsonl', '--items', join(dir, 'items.jsonl'), '--feedback', join(dir, 'feedback.jsonl')];
    for (const args of [movielens, jsonl, movielens, jsonl]) {
      const run = await runCli('import', args, env);
      assert.equal(run.code, 0, run.stderr);
    }
    await readBack(database.config, async ({ items, interactions }) => {
      assert.equal(await interactions.count(), 4 + 3);
      assert.equal((await items.getById('ml_3'))?.name, "Amélie (Fabuleux destin d'Amélie Poulain) (2001)");
      assert.deepEqual((await items.getById('evt_2'))?.metadata, { price_eur: 25 });
    });
  });
});

describe(
  'import CLI on the real ML-100K',
  { skip: existsSync(REAL_ML_100K) ? false : `${REAL_ML_100K} is absent`, timeout: 600_000 },
  () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'ml-service-import-ml100k-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('should store 100,000 ratings of 1,682 movies', { timeout: 120_000 }, async () => {
      const database: DatabaseConfig = { client: 'sqlite', filename: join(dir, 'ml-100k.sqlite') };
      const run = await runCli('import', ['--format', 'movielens', REAL_ML_100K], {
        DATABASE_URL: databaseUrl(database),
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(
        [
          summaryOf(run.stdout)['items imported'],
          summaryOf(run.stdout)['feedback stored'],
          summaryOf(run.stdout)['lines rejected'],
        ],
        ['1682', '100000', '0'],
      );
      await readBack(database, async ({ db, items, interactions }) => {
        assert.equal(await interactions.count(), 100_000);
        assert.equal(await items.countLive(), 1682);
        const placeholders = await db('items').where({ is_placeholder: true }).count<{ n: number }[]>({ n: '*' });
        assert.equal(Number(placeholders[0].n), 0);
      });
    });
  },
);
