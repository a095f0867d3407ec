import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './config';
import { TABLE_END, TABLE_START, renderConfigTable, renderEnvExample } from './env-example';
import { CONFIG_VARIABLES, ConfigVariable } from './variables';

// Compiled to dist/src/config: the repository is three levels up.
const root = join(__dirname, '..', '..', '..');
const regenerate = 'run `npm run config:example` and commit the result';
const variables = Object.entries(CONFIG_VARIABLES) as [string, ConfigVariable][];

describe('config/.env.example and README', { timeout: 30_000 }, () => {
  it('should list every variable of src/config/variables.ts in config/.env.example, as generated', () => {
    const example = readFileSync(join(root, 'config', '.env.example'), 'utf8');
    for (const [name] of variables)
      assert.match(example, new RegExp(`^# ${name}=`, 'm'), `${name} is missing: ${regenerate}`);
    assert.equal(
      example,
      renderEnvExample(),
      `config/.env.example drifted from src/config/variables.ts: ${regenerate}`,
    );
  });

  it("should list every variable in README's Configuration table, as generated", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf(TABLE_START), readme.indexOf(TABLE_END) + TABLE_END.length);
    assert.ok(variables.length > 0);
    for (const [name] of variables)
      assert.ok(table.includes(`| \`${name}\` |`), `${name} is missing from README: ${regenerate}`);
    assert.equal(
      table,
      renderConfigTable(),
      `README's Configuration table drifted from src/config/variables.ts: ${regenerate}`,
    );
  });
});

describe('CONFIG_VARIABLES', { timeout: 30_000 }, () => {
  it('should declare the defaults loadConfig uses, in and out of production', () => {
    const environments: Record<string, string>[] = [
      {},
      { ENVIRONMENT: 'production', API_KEYS: 'a-service-key-of-16+' },
    ];
    for (const base of environments) {
      const production = base.ENVIRONMENT === 'production';
      const unset = loadConfig(base);
      for (const [name, variable] of variables) {
        const declared =
          production && variable.productionDefault !== undefined ? variable.productionDefault : variable.default;
        if (declared === undefined || name in base) continue;
        assert.deepEqual(
          loadConfig({ ...base, [name]: String(declared) }),
          unset,
          `${name}=${declared} is not its default`,
        );
      }
    }
  });
});
