import { constants, setPriority } from 'node:os';

/**
 * Training is background work. On Linux the nice value belongs to the thread, so this lowers only
 * the calling worker thread: when both cores are busy the scheduler runs the thread serving
 * requests first, and training takes the time left over. (Elsewhere it would lower the whole
 * process, so it is left alone.) Lowering one's own priority needs no privilege.
 */
export function runAtBackgroundPriority(): void {
  if (process.platform === 'linux') setPriority(constants.priority.PRIORITY_LOW);
}
