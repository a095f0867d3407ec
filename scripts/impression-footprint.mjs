// Measures what experiment impressions cost the database: writes LISTS lists of 20 items (ids
// shaped like real ones) through ImpressionsRepository into a fresh SQLite file and, with
// MYSQL_URL set, a fresh MariaDB/MySQL database, and prints bytes per list and per million lists.
// Run after `npm run build`: node scripts/impression-footprint.mjs [lists]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKnex } from '../dist/src/database/database.js';
import { ImpressionsRepository } from '../dist/src/repositories/impressions.repository.js';

const LISTS = Number(process.argv[2] ?? 200_000);
const BATCH = 5000;

function* lists() {
  for (let i = 0; i < LISTS; i++) {
    yield {
      recommendationId: randomUUID(),
      userId: `user_${(i * 7919) % 50_000}`,
      experimentId: 'rec_algorithm_v1',
      variantId: i % 2 ? 'collaborative_filtering' : 'control',
      itemIds: Array.from({ length: 20 }, (_, k) => `event_${(i * 31 + k * 977) % 100_000}`),
      createdAt: Date.now() - (LISTS - i) * 10,
    };
  }
}

async function fill(db) {
  await db.migrate.latest();
  const repository = new ImpressionsRepository(db);
  let batch = [];
  for (const list of lists()) {
    batch.push(list);
    if (batch.length === BATCH) {
      await repository.insert(batch);
      batch = [];
    }
  }
  await repository.insert(batch);
}

function report(dialect, bytes) {
  const perList = bytes / LISTS;
  console.log(
    `${dialect}: ${LISTS.toLocaleString('en-US')} lists, ${(bytes / 1e6).toFixed(1)} MB: ${perList.toFixed(0)} bytes per list, ${((perList * 1e6) / 1e6).toFixed(0)} MB per million lists`,
  );
}

const file = join(mkdtempSync(join(tmpdir(), 'impressions-')), 'footprint.sqlite');
const sqlite = createKnex({ client: 'sqlite', filename: file });
await fill(sqlite);
const empty = createKnex({ client: 'sqlite', filename: `${file}.empty` });
await empty.migrate.latest();
await empty.raw('VACUUM');
await sqlite.raw('VACUUM');
report('SQLite', statSync(file).size - statSync(`${file}.empty`).size);
await Promise.all([sqlite.destroy(), empty.destroy()]);

if (process.env.MYSQL_URL) {
  const url = new URL(process.env.MYSQL_URL);
  const database = `impression_footprint_${process.pid}`;
  const admin = createKnex({
    client: 'mysql',
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: '',
  });
  await admin.raw(`CREATE DATABASE \`${database}\``);
  const mysql = createKnex({
    client: 'mysql',
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
  });
  try {
    await fill(mysql);
    await mysql.raw('ANALYZE TABLE impressions');
    const [[row]] = await mysql.raw(
      `SELECT data_length + index_length AS bytes FROM information_schema.TABLES WHERE table_schema = ? AND table_name = 'impressions'`,
      [database],
    );
    report('MariaDB', Number(row.bytes));
  } finally {
    await mysql.destroy();
    await admin.raw(`DROP DATABASE \`${database}\``);
    await admin.destroy();
  }
}
