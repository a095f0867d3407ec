import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEnvExample, withConfigTable } from '../config/env-example';

/** Regenerates config/.env.example and README's Configuration table from src/config/variables.ts. */
const root = join(__dirname, '..', '..', '..');
writeFileSync(join(root, 'config', '.env.example'), renderEnvExample());
const readmePath = join(root, 'README.md');
writeFileSync(readmePath, withConfigTable(readFileSync(readmePath, 'utf8')));
console.log('Wrote config/.env.example and the Configuration table in README.md');
