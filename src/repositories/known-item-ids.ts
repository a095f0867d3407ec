import { Injectable } from '@nestjs/common';

/** About 100 bytes an id: the set stays within a few tens of MB. */
const MAX_IDS_NOTED = 200_000;

/**
 * Item ids whose rows are known to be committed, so feedback on them needs no placeholder insert.
 * Item rows are never removed, so an id once known stays known.
 */
@Injectable()
export class KnownItemIds {
  private readonly ids = new Set<string>();

  /** Of `ids`, without repeats, those that may still lack a row. */
  withoutKnown(ids: string[]): string[] {
    return [...new Set(ids)].filter((id) => !this.ids.has(id));
  }

  /** Notes ids whose rows are committed. */
  note(ids: string[]): void {
    // Bounded: past the cap the set starts over and refills with the ids feedback names.
    if (this.ids.size + ids.length > MAX_IDS_NOTED) this.ids.clear();
    for (const id of ids) this.ids.add(id);
  }
}
