import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ChangeEvents, StoredFeedback } from '../common/change-events';
import { EXCLUDING_ACTIONS, excludesItem } from '../domain/signal';
import { ActiveModels } from '../model-registry/active-models';
import { InteractionsRepository } from '../repositories/interactions.repository';

/** How often the log is read for other replicas' feedback: the most an outage can lose of it. */
const TAIL_INTERVAL_MS = 1000;

/** Not yet seen by the tail: kept until it is, since no snapshot can hold it before. */
const ACKNOWLEDGED_HERE = Number.POSITIVE_INFINITY;

/**
 * The excluding events newer than the oldest snapshot serving, kept in memory so that they still
 * hold while the database cannot be read (models serve from memory then; before the first model
 * nothing does, so nothing is kept). This replica's feedback is recorded once committed;
 * every other replica's is read from the log by id every TAIL_INTERVAL_MS (a primary-key range of
 * excluding actions only). Entries go once every loaded snapshot holds them.
 */
@Injectable()
export class ExclusionLog implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ExclusionLog.name);
  /** user → item → smallest id of an event excluding it. */
  private readonly byUser = new Map<string, Map<string, number>>();
  private nextReadAfter?: number;
  private lastReadUpTo?: number;
  private reading = false;
  private failing = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly interactions: InteractionsRepository,
    private readonly models: ActiveModels,
    events: ChangeEvents,
  ) {
    events.onFeedbackStored((stored) => this.recordAcknowledged(stored));
    models.onChange(() => this.prune());
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tail(), TAIL_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Items the user excluded in events after `afterId`, as far as this replica knows. */
  itemsSince(userId: string, afterId: number): string[] {
    const items = this.byUser.get(userId);
    return items ? [...items].filter(([, id]) => id > afterId).map(([item]) => item) : [];
  }

  recordAcknowledged(events: StoredFeedback[]): void {
    if (this.models.all().length === 0) return;
    for (const event of events) {
      if (excludesItem(event.action)) this.add(event.userId, event.itemId, ACKNOWLEDGED_HERE);
    }
  }

  /**
   * Reads the excluding events committed since the last read. On MySQL an id is taken before its
   * transaction commits, so a smaller id can appear after a larger one: each read starts where
   * the one before it started, and adding an event twice changes nothing.
   */
  async tail(): Promise<void> {
    // Before any model, serving reads popularity from the database and has nothing to serve
    // without it: a record from id 0 would be the whole log for nothing.
    if (this.reading || this.models.all().length === 0) return;
    this.reading = true;
    try {
      const from = Math.max(this.nextReadAfter ?? 0, this.coveredId());
      const upTo = await this.interactions.getMaxId();
      for await (const batch of this.interactions.stream({ afterId: from, maxId: upTo, actions: EXCLUDING_ACTIONS })) {
        for (const event of batch) this.add(event.userId, event.itemId, event.id);
      }
      this.nextReadAfter = this.lastReadUpTo ?? from;
      this.lastReadUpTo = upTo;
      if (this.failing) this.logger.log('reading the interaction log again');
      this.failing = false;
    } catch (error) {
      if (!this.failing)
        this.logger.warn(
          `cannot read the interaction log, serving exclusions recorded up to now: ${(error as Error).message}`,
        );
      this.failing = true;
    } finally {
      this.reading = false;
    }
  }

  private add(userId: string, itemId: string, id: number): void {
    let items = this.byUser.get(userId);
    if (!items) this.byUser.set(userId, (items = new Map<string, number>()));
    items.set(itemId, Math.min(id, items.get(itemId) ?? ACKNOWLEDGED_HERE));
  }

  /** The id up to which every serving snapshot holds the exclusions. */
  private coveredId(): number {
    return Math.min(...this.models.all().map((m) => m.lastInteractionId));
  }

  private prune(): void {
    const covered = this.coveredId();
    for (const [userId, items] of this.byUser) {
      for (const [item, id] of items) if (id <= covered) items.delete(item);
      if (items.size === 0) this.byUser.delete(userId);
    }
  }
}
