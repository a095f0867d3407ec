/**
 * A bounded time-to-live cache of per-user results, the oldest going first when full. Each entry
 * carries a stamp: the user's newest interaction id as seen by the read it was computed from. A
 * hit is served only while the log still agrees (the caller's `currentStamp`, one indexed seek),
 * so feedback acknowledged by any replica, even while the list was being computed, makes it a
 * miss. Profile changes do not show in the log: invalidating a user moves their generation on.
 */
export class ResultCache<T> {
  private readonly entries = new Map<string, { value: T; stamp: number; expiresAt: number; generation: number }>();
  private generations = new Map<string, number>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** An entry that cannot be checked (`currentStamp` rejects: the database is out) is a miss. */
  async get(userId: string, key: string, currentStamp: () => Promise<number>): Promise<T | undefined> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > Date.now() && entry.generation === this.generation(userId)) {
      const stamp = await currentStamp().catch(() => undefined);
      if (stamp === entry.stamp) {
        this.hits++;
        return entry.value;
      }
    }
    if (entry && this.entries.get(key) === entry) this.entries.delete(key);
    this.misses++;
    return undefined;
  }

  set(userId: string, key: string, value: T, stamp: number): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, stamp, expiresAt: Date.now() + this.ttlMs, generation: this.generation(userId) });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  invalidateUser(userId: string): void {
    if (this.generations.size >= this.maxEntries * 4) this.clear();
    this.generations.set(userId, this.generation(userId) + 1);
  }

  clear(): void {
    this.entries.clear();
    this.generations = new Map();
  }

  private generation(userId: string): number {
    return this.generations.get(userId) ?? 0;
  }
}
