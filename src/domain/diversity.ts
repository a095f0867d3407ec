/**
 * "Lists a person would accept": at most `perTen` items of one artist or series in every ten
 * positions of a list. Position p (0-based) admits an item of a group that has fewer than
 * perTen × (⌊p / 10⌋ + 1) items before it: a top 5 or top 10 holds at most perTen of one act, a
 * top 20 at most 2 × perTen with at most perTen in its first ten, and so on. An item held back is
 * not dropped: it takes the first later position whose allowance has room for it.
 */

/** The act an item belongs to: its headliner (first artist), else its name (a series repeats one name). */
export function groupKeyOf(item: { artists: readonly string[]; name: string | null }): string | null {
  const headliner = item.artists[0]?.trim();
  if (headliner) return `artist:${headliner.toLowerCase()}`;
  const name = item.name?.trim();
  return name ? `name:${name.toLowerCase()}` : null;
}

/** How many items each group already holds in a list, and how long the list is. */
export class GroupCap {
  private constructor(
    readonly perTen: number,
    private readonly counts: Map<number, number>,
    private placed: number,
  ) {}

  /** `perTen` 0 turns the cap off. */
  static of(perTen: number): GroupCap {
    return new GroupCap(perTen, new Map(), 0);
  }

  get length(): number {
    return this.placed;
  }

  /** Whether the next position may hold an item of `group` (a negative group is never capped). */
  admits(group: number): boolean {
    if (this.perTen <= 0 || group < 0) return true;
    return (this.counts.get(group) ?? 0) < this.perTen * (Math.floor(this.placed / 10) + 1);
  }

  place(group: number): void {
    this.placed++;
    if (group >= 0) this.counts.set(group, (this.counts.get(group) ?? 0) + 1);
  }

  copy(): GroupCap {
    return new GroupCap(this.perTen, new Map(this.counts), this.placed);
  }
}

/**
 * Takes up to `count` items from `candidates` (best first) into the list `cap` describes, each at
 * the first position its group is admitted: at every position, the best candidate admitted there.
 * Mutates `cap`. `exhausted` says the candidates ran out before `count` items were placed, so a
 * longer candidate list could place more.
 */
export function pickWithinCap(
  candidates: ArrayLike<number>,
  groupOf: (item: number) => number,
  cap: GroupCap,
  count: number,
): { picked: number[]; exhausted: boolean } {
  const picked: number[] = [];
  // Held back, best first; they only become admissible when a new block of ten opens.
  const held: number[] = [];
  let next = 0;
  while (picked.length < count) {
    let chosen = -1;
    const heldAt = held.findIndex((item) => cap.admits(groupOf(item)));
    if (heldAt >= 0) {
      chosen = held[heldAt];
      held.splice(heldAt, 1);
    } else {
      while (next < candidates.length && chosen < 0) {
        const item = candidates[next++];
        if (cap.admits(groupOf(item))) chosen = item;
        else held.push(item);
      }
    }
    if (chosen < 0) return { picked, exhausted: true };
    picked.push(chosen);
    cap.place(groupOf(chosen));
  }
  return { picked, exhausted: false };
}
