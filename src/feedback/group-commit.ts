import { isConnectionError } from '../database/database';

/** Called once an item's transaction committed (`failure` null) or failed. */
export type Settled = (failure: { error: Error } | null) => void;

interface Waiting<T> {
  item: T;
  settled: Settled;
}

/** A bound on one transaction's size, far above what concurrent single requests bring together. */
const MAX_GROUP = 1000;

/**
 * Group commit: items added while a write is in progress (or within the same event-loop turn)
 * go into the next write together, so concurrent requests share one transaction and one WAL
 * commit instead of each paying for its own. Each caller's promise settles only once the
 * transaction holding its item has committed, so an acknowledgement is never lost.
 *
 * If a group's write fails, an outage (a connection error) fails every member at once, so that
 * they answer 503 quickly; any other error retries each member alone, so one bad item fails only
 * its own request.
 */
export class GroupCommit<T> {
  private waiting: Waiting<T>[] = [];
  private writing = false;

  constructor(private readonly write: (items: T[]) => Promise<unknown>) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.addSettled(item, (failure) => (failure ? reject(failure.error) : resolve()));
    });
  }

  /** As add, with a callback instead of a promise: cheaper for a caller that adds thousands a second. */
  addSettled(item: T, settled: Settled): void {
    this.waiting.push({ item, settled });
    if (this.writing) return;
    this.writing = true;
    // After the I/O phase: the requests that arrived with this one join its group.
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) await this.commit(this.waiting.splice(0, MAX_GROUP));
    this.writing = false;
  }

  private async commit(group: Waiting<T>[]): Promise<void> {
    try {
      await this.write(group.map((member) => member.item));
    } catch (error) {
      if (group.length === 1 || isConnectionError(error)) {
        const failure = { error: error as Error };
        for (const member of group) member.settled(failure);
      } else {
        for (const member of group) await this.commit([member]);
      }
      return;
    }
    for (const member of group) member.settled(null);
  }
}
