/**
 * A bounded time-to-live cache of per-user results: entries expire after `ttlMs`, the oldest go
 * first when full. Invalidating a user is O(1): their generation number moves on, so their old
 * entries stop matching and age out.
 */
export class ResultCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number; generation: number }>();
  private generations = new Map<string, number>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(userId: string, key: string): T | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > Date.now() && entry.generation === this.generation(userId)) {
      this.hits++;
      return entry.value;
    }
    if (entry) this.entries.delete(key);
    this.misses++;
    return undefined;
  }

  set(userId: string, key: string, value: T): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs, generation: this.generation(userId) });
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
