import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface WalCheckpointWorkerData {
  filename: string;
  intervalMs: number;
}

/**
 * Checkpoints the service's SQLite WAL on this thread's own connection, so that copying pages into
 * the database file and syncing it never stalls the event loop. PASSIVE neither waits for nor
 * blocks the service's writer: what it cannot copy yet is copied on a later round.
 */
const { filename, intervalMs } = workerData as WalCheckpointWorkerData;
const db = new Database(filename);
// As the service's connection: a checkpoint syncs the WAL before copying and the file after.
db.pragma('synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

const timer = setInterval(() => {
  try {
    checkpoint.run();
  } catch {
    // Busy (another checkpoint is running) or a transient I/O error: the next round retries.
  }
}, intervalMs);

parentPort?.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
