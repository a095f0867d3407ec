// The knex CLI's view of the database the service would use: the same environment variables
// (src/config/config.ts), the same connection settings and the compiled migrations, so build first:
//   npm run build && npx knex --knexfile config/knexfile.js migrate:status
const { mkdirSync } = require('node:fs');
const { dirname, isAbsolute, join } = require('node:path');
const { loadConfig } = require('../dist/src/config/config');
const { knexConfig } = require('../dist/src/database/database');

const database = loadConfig().database;
// The CLI runs from this folder; the service (npm start) from the repository root, which a
// relative SQLite path is relative to.
if (database.client === 'sqlite' && database.filename !== ':memory:' && !isAbsolute(database.filename)) {
  database.filename = join(__dirname, '..', database.filename);
}
// As the service does on start, so `migrate:latest` can create a fresh database.
if (database.client === 'sqlite' && database.filename !== ':memory:')
  mkdirSync(dirname(database.filename), { recursive: true });

module.exports = knexConfig(database);
