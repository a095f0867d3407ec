import { Injectable } from '@nestjs/common';
import { EXCLUDING_ACTIONS, excludesItem } from '../domain/signal';
import { LoadedModel } from '../model-registry/loaded-model';
import { Interaction, InteractionsRepository } from '../repositories/interactions.repository';
import { ExclusionLog } from './exclusion-log';

/** The newest events read per request: enough for fresh feedback and for reasons' verbs. */
export const RECENT_EVENTS = 100;

export type RecentSignal = Pick<Interaction, 'id' | 'itemId' | 'action' | 'value'>;

/** The user's events after a snapshot's last interaction id, as one request reads them. */
export interface UserEvents {
  /** Newest first, at most RECENT_EVENTS (none when read from memory). */
  recent: RecentSignal[];
  /** Every item the user excluded after `sinceId`: complete, not limited to `recent`. */
  excludedSince: Set<string>;
  /** The user's newest interaction id as this read saw it: what a cached list is checked against. */
  newestId: number;
}

/**
 * Owns "never shown again" for every serving path: the items never to show a user are the
 * snapshot's exclusions (the whole history up to its last interaction id) together with every
 * excluding event after that id. Before any model the snapshot is empty and its id 0, so the
 * same reads give the user's whole exclusion set.
 */
@Injectable()
export class Exclusions {
  constructor(
    private readonly interactions: InteractionsRepository,
    private readonly log: ExclusionLog,
  ) {}

  /**
   * One indexed read of the user's newest events; a second, of the items of excluding actions
   * only, when those events do not reach back to `sinceId`. Throws when the database cannot be read.
   */
  async read(userId: string, sinceId: number): Promise<UserEvents> {
    const recent = await this.interactions.getRecentSignals(userId, RECENT_EVENTS);
    const excludedSince = new Set<string>();
    for (const event of recent) if (event.id > sinceId && excludesItem(event.action)) excludedSince.add(event.itemId);
    const oldestRead = recent[recent.length - 1];
    if (recent.length === RECENT_EVENTS && oldestRead.id > sinceId + 1) {
      for (const item of await this.interactions.getItemIdsOfUserBetween(
        userId,
        sinceId,
        oldestRead.id,
        EXCLUDING_ACTIONS,
      ))
        excludedSince.add(item);
    }
    return { recent, excludedSince, newestId: recent[0]?.id ?? 0 };
  }

  /** While the database cannot be read: the excluding events this replica has recorded since `sinceId`. */
  fromMemory(userId: string, sinceId: number): UserEvents {
    return { recent: [], excludedSince: new Set(this.log.itemsSince(userId, sinceId)), newestId: -1 };
  }
}

/** The items never to show the user, in the model's index space. */
export function excludedFor(model: LoadedModel, userIndex: number, events: UserEvents): Set<number> {
  const excluded = new Set<number>();
  if (userIndex >= 0) {
    const { indptr, indices } = model.excluded;
    for (let k = indptr[userIndex]; k < indptr[userIndex + 1]; k++) excluded.add(indices[k]);
  }
  for (const itemId of events.excludedSince) {
    const item = model.itemIndex.get(itemId);
    if (item !== undefined) excluded.add(item);
  }
  return excluded;
}
