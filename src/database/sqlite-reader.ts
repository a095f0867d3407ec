import Database from 'better-sqlite3';
import { DatabaseConfig } from '../config/config';

/** Injection token for the per-request read connection (null on MySQL). */
export const SQLITE_READER = Symbol('SQLITE_READER');

export type SqliteReader = Database.Database | null;

const MMAP_BYTES = 256 * 1024 * 1024;

/**
 * A second, query-only connection to the SQLite file for the indexed reads every recommendation
 * makes (the user's newest events, the user's profile): through knex, building and preparing
 * the statement costs several times the query itself, while a prepared statement here answers in
 * microseconds. WAL lets it read beside the writer and see each committed write at once.
 * An in-memory database cannot be shared between connections, so it has none.
 */
export function openSqliteReader(config: DatabaseConfig): SqliteReader {
  if (config.client !== 'sqlite' || config.filename === ':memory:') return null;
  const db = new Database(config.filename);
  db.pragma('query_only = ON');
  db.pragma('busy_timeout = 5000');
  // Reads through a memory map instead of a system call per page: a third off each indexed read.
  db.pragma(`mmap_size = ${MMAP_BYTES}`);
  return db;
}
