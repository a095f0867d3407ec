/**
 * config/knexfile.js hands the knex CLI the database the service would use: the same environment
 * variables, connection settings and compiled migrations.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DatabaseConfig } from '../../src/config/config';
import { DIALECTS, createTestDatabase, dialectSkip } from '../support/databases';

// Compiled to dist/test/deployment: the repository is three levels up.
const ROOT = join(__dirname, '..', '..', '..');

function databaseUrl(config: DatabaseConfig): string {
  if (config.client === 'sqlite') return `sqlite:${config.filename}`;
  return `mysql://${encodeURIComponent(config.user)}:${encodeURIComponent(config.password)}@${config.host}:${config.port}/${config.database}`;
}

function knexCli(command: string, env: Record<string, string>): string {
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'knex', 'bin', 'cli.js'), '--knexfile', 'config/knexfile.js', command],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  assert.equal(result.status, 0, `knex ${command} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

for (const dialect of DIALECTS) {
  describe(`config/knexfile.js (${dialect})`, { skip: dialectSkip(dialect), timeout: 60_000 }, () => {
    it('should let the knex CLI migrate the DATABASE_URL the service would use, and report it up to date', async () => {
      const database = await createTestDatabase(dialect);
      try {
        const env = { DATABASE_URL: databaseUrl(database.config) };
        assert.match(knexCli('migrate:status', env), /Found \d+ Pending Migration/);
        assert.match(knexCli('migrate:latest', env), /Batch 1 run: \d+ migrations/);
        assert.match(knexCli('migrate:status', env), /No Pending Migration files Found/);
      } finally {
        await database.drop();
      }
    });
  });
}
