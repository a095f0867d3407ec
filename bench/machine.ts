import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import Database from 'better-sqlite3';
import { REPO_ROOT } from './movielens-data';

export interface MachineDescription {
  nproc: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  kernel: string;
  sqlite: string;
  mariadb: string | null;
  commit: string;
  /** 1-minute load average when the run started and ended: others may share the machine. */
  loadAverageAtStart: number;
  loadAverageAtEnd: number | null;
}

/** What the numbers were measured on; the report is meaningless without it. */
export function describeMachine(): MachineDescription {
  return {
    nproc: availableParallelism(),
    cpuModel: cpuModel(),
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: `${process.platform} ${release()}`,
    sqlite: sqliteVersion(),
    mariadb: null,
    commit: gitCommit(),
    loadAverageAtStart: currentLoadAverage(),
    loadAverageAtEnd: null,
  };
}

export function currentLoadAverage(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1].trim();
  } catch {
    // Not Linux: fall back to what os.cpus() says.
  }
  return cpus()[0]?.model ?? 'unknown';
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return String(db.prepare('SELECT sqlite_version()').pluck().get());
  } finally {
    db.close();
  }
}

/** HEAD plus whether the working tree differs from it: others may be editing the checkout. */
function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      }).trim() !== '';
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}
