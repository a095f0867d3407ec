import { Inject, Injectable } from '@nestjs/common';
import { Knex } from 'knex';
import { isMysql, KNEX } from '../database/database';
import { prepared } from '../database/prepared-statements';
import { insertIgnoringConflicts } from '../database/sqlite-inserts';
import { SQLITE_READER, SqliteReader } from '../database/sqlite-reader';
import { FeedbackAction } from '../domain/feedback-actions';
import { insertPlaceholderItems, placeholderRows } from './items.repository';
import { KnownItemIds } from './known-item-ids';

export interface Interaction {
  id: number;
  feedbackId: string | null;
  userId: string;
  itemId: string;
  action: FeedbackAction;
  value: number | null;
  recommendationId: string | null;
  position: number | null;
  occurredAt: number;
  receivedAt: number;
}

export type InteractionWrite = Omit<Interaction, 'id' | 'receivedAt'>;

/** The columns training reads of each event. */
export type TrainingEvent = Pick<Interaction, 'id' | 'userId' | 'itemId' | 'action' | 'value' | 'occurredAt'>;

interface InteractionRow {
  id: number;
  feedback_id: string | null;
  user_id: string;
  item_id: string;
  action: FeedbackAction;
  value: number | null;
  recommendation_id: string | null;
  position: number | null;
  occurred_at: number;
  received_at: number;
}

/** The slice of the interaction log a training run reads. */
export interface InteractionWindow {
  startAt?: number;
  endAt?: number;
  /** Highest interaction id to include: fixes the snapshot while new feedback keeps arriving. */
  maxId: number;
  /** Only events with a larger id. */
  afterId?: number;
  /** Only events with one of these actions. */
  actions?: readonly FeedbackAction[];
}

/** Runs of a MySQL append that a deadlock may roll back before the error reaches the caller. */
const DEADLOCK_ATTEMPTS = 3;

@Injectable()
export class InteractionsRepository {
  constructor(
    @Inject(KNEX) private readonly db: Knex,
    private readonly knownItems: KnownItemIds,
    @Inject(SQLITE_READER) private readonly reader: SqliteReader = null,
  ) {}

  /**
   * Stores events in one transaction, creating placeholder items for unknown ids. An event whose
   * user already has its feedback_id stored (or earlier in `events`) is skipped, so a retried
   * batch is harmless; another user's ids play no part. Returns how many events were newly stored.
   */
  async append(events: InteractionWrite[]): Promise<number> {
    if (events.length === 0) return 0;
    const receivedAt = Date.now();
    const newItemIds = this.knownItems.withoutKnown(events.map((e) => e.itemId));
    const stored = isMysql(this.db)
      ? await this.appendWithKnex(events, newItemIds, receivedAt)
      : await this.appendOnSqlite(events, newItemIds, receivedAt);
    // A write inside a caller's transaction may yet roll back, so its ids are not noted.
    if (!this.db.isTransaction) this.knownItems.note(newItemIds);
    return stored;
  }

  /**
   * Batches carrying the same new ids in different orders can each wait for a row the other has
   * inserted; InnoDB then rolls one back, and run again it skips what the other stored. Inside a
   * caller's transaction (the importer) the whole of it is gone, so the caller sees the error.
   */
  private async appendWithKnex(events: InteractionWrite[], newItemIds: string[], receivedAt: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.insertOnMysql(events, newItemIds, receivedAt);
      } catch (error) {
        if (
          this.db.isTransaction ||
          attempt === DEADLOCK_ATTEMPTS ||
          (error as { code?: string }).code !== 'ER_LOCK_DEADLOCK'
        )
          throw error;
      }
    }
  }

  /**
   * The unique index on (user_id, feedback_id) skips known and repeated ids, keeping the first.
   * A batch that carries the same new ids as a concurrent one waits on its rows and, once that
   * commits, skips them: a look-then-insert would let both pass the look and fail the second.
   * INSERT IGNORE would also turn an over-long value into a warning; every column's bounds are
   * validated before an event gets here, so only duplicates are left to ignore.
   */
  private async insertOnMysql(events: InteractionWrite[], newItemIds: string[], receivedAt: number): Promise<number> {
    return this.db.transaction(async (trx) => {
      await insertPlaceholderItems(trx, newItemIds);
      let stored = 0;
      for (let start = 0; start < events.length; start += 500) {
        const rows = events.slice(start, start + 500).map((e) => toRow(e, receivedAt));
        const { sql, bindings } = trx('interactions')
          .insert(rows)
          .onConflict(['user_id', 'feedback_id'])
          .ignore()
          .toSQL();
        // Raw, for the count: knex answers an insert on MySQL with the insert id alone.
        const [result] = (await trx.raw(sql, bindings)) as [{ affectedRows: number }];
        stored += result.affectedRows;
      }
      return stored;
    });
  }

  /** The unique index on (user_id, feedback_id) skips known and repeated ids, keeping the first. */
  private async appendOnSqlite(events: InteractionWrite[], newItemIds: string[], receivedAt: number): Promise<number> {
    const [, stored] = await insertIgnoringConflicts(this.db, [
      { table: 'items', conflictColumns: ['id'], rows: placeholderRows(newItemIds, receivedAt) },
      {
        table: 'interactions',
        conflictColumns: ['user_id', 'feedback_id'],
        rows: events.map((e) => toRow(e, receivedAt)),
      },
    ]);
    return stored;
  }

  /** A user's events, newest first. */
  async getByUserId(userId: string, limit: number): Promise<Interaction[]> {
    const rows = await this.db<InteractionRow>('interactions')
      .where({ user_id: userId })
      .orderBy('id', 'desc')
      .limit(limit);
    return rows.map(toInteraction);
  }

  /** A user's newest events, only the columns serving needs: read on every recommendation request. */
  async getRecentSignals(
    userId: string,
    limit: number,
  ): Promise<Pick<Interaction, 'id' | 'itemId' | 'action' | 'value'>[]> {
    type SignalRow = Pick<InteractionRow, 'id' | 'item_id' | 'action' | 'value'>;
    // SQLite's rows come out in the answer's shape (its integers and floats are numbers already): no copy per row.
    if (this.reader)
      return prepared(
        this.reader,
        'SELECT id, item_id AS itemId, action, value FROM interactions WHERE user_id = ? ORDER BY id DESC LIMIT ?',
      ).all(userId, limit) as Pick<Interaction, 'id' | 'itemId' | 'action' | 'value'>[];
    const rows: SignalRow[] = await this.db<InteractionRow>('interactions')
      .where({ user_id: userId })
      .orderBy('id', 'desc')
      .limit(limit)
      .select('id', 'item_id', 'action', 'value');
    return rows.map((row) => ({
      id: Number(row.id),
      itemId: row.item_id,
      action: row.action,
      value: row.value === null ? null : Number(row.value),
    }));
  }

  /** The id of the user's newest event, 0 if none: one seek on the (user_id, id …) index. */
  async getNewestIdOfUser(userId: string): Promise<number> {
    const row: { id: number } | undefined = this.reader
      ? (prepared(this.reader, 'SELECT id FROM interactions WHERE user_id = ? ORDER BY id DESC LIMIT 1').get(userId) as
          { id: number } | undefined)
      : await this.db('interactions').where({ user_id: userId }).orderBy('id', 'desc').first('id');
    return Number(row?.id ?? 0);
  }

  /** Items of the user's events with an id in (afterId, beforeId) and one of `actions`: a range of the (user_id, id …) index, which carries both columns. */
  async getItemIdsOfUserBetween(
    userId: string,
    afterId: number,
    beforeId: number,
    actions: readonly FeedbackAction[],
  ): Promise<string[]> {
    const rows: { item_id: string }[] = this.reader
      ? (prepared(
          this.reader,
          `SELECT item_id FROM interactions WHERE user_id = ? AND id > ? AND id < ? AND action IN (${actions.map(() => '?').join(', ')})`,
        ).all(userId, afterId, beforeId, ...actions) as { item_id: string }[])
      : await this.db('interactions')
          .where({ user_id: userId })
          .andWhere('id', '>', afterId)
          .andWhere('id', '<', beforeId)
          .whereIn('action', actions)
          .select('item_id');
    return rows.map((row) => row.item_id);
  }

  /** Items by count of positive events since `since`: the popularity used before any model exists. */
  async getPopularItemIds(since: number, limit: number): Promise<{ itemId: string; count: number }[]> {
    const rows = await this.db('interactions')
      .where('occurred_at', '>=', since)
      .whereIn('action', ['save', 'like', 'click', 'watch', 'rate'])
      .groupBy('item_id')
      .select('item_id')
      .count<{ item_id: string; n: number | string }[]>({ n: '*' })
      .orderBy('n', 'desc')
      .limit(limit);
    return rows.map((row) => ({ itemId: row.item_id, count: Number(row.n) }));
  }

  /** Users with the newest feedback, newest first; read by primary key, cheap on any size of log. */
  async getRecentUserIds(limit: number, scanRows = 500): Promise<string[]> {
    const rows = await this.db('interactions')
      .select<{ user_id: string }[]>('user_id')
      .orderBy('id', 'desc')
      .limit(scanRows);
    return [...new Set(rows.map((row) => row.user_id))].slice(0, limit);
  }

  async getMaxId(): Promise<number> {
    const row = await this.db('interactions').max<{ id: number | null }[]>({ id: 'id' }).first();
    return Number(row?.id ?? 0);
  }

  async count(window?: Omit<InteractionWindow, 'maxId'>): Promise<number> {
    const row = await this.db('interactions')
      .modify(inWindow(window))
      .count<{ n: number | string }[]>({ n: '*' })
      .first();
    return Number(row?.n ?? 0);
  }

  /**
   * The shape of the snapshot a training run on `window` reads: its events, their distinct users,
   * and the items it encodes (the live catalogue plus any item the events name).
   */
  async countTrainingData(
    window?: Omit<InteractionWindow, 'maxId'>,
  ): Promise<{ users: number; items: number; events: number }> {
    const counts = await this.db('interactions')
      .modify(inWindow(window))
      .first<{ events: number | string; users: number | string }>(
        this.db.raw('count(*) as events'),
        this.db.raw('count(distinct user_id) as users'),
      );
    const items = this.db('items')
      .whereNull('deleted_at')
      .select('id')
      .union((q) => {
        q.from('interactions').modify(inWindow(window)).select('item_id');
      });
    const row = await this.db.from(items.as('known')).count<{ n: number | string }[]>({ n: '*' }).first();
    return { users: Number(counts?.users ?? 0), items: Number(row?.n ?? 0), events: Number(counts?.events ?? 0) };
  }

  /** The log up to `window.maxId`, in id order and in batches, only the columns training reads. */
  async *stream(window: InteractionWindow, batchSize = 20000): AsyncGenerator<TrainingEvent[]> {
    let after = window.afterId ?? 0;
    for (;;) {
      const query = this.db<InteractionRow>('interactions')
        .where('id', '>', after)
        .andWhere('id', '<=', window.maxId)
        .orderBy('id')
        .limit(batchSize)
        .select('id', 'user_id', 'item_id', 'action', 'value', 'occurred_at');
      if (window.startAt !== undefined) query.andWhere('occurred_at', '>=', window.startAt);
      if (window.endAt !== undefined) query.andWhere('occurred_at', '<', window.endAt);
      if (window.actions !== undefined) query.whereIn('action', window.actions);
      const rows = await query;
      if (rows.length === 0) return;
      yield rows.map(toTrainingEvent);
      after = Number(rows[rows.length - 1].id);
    }
  }
}

function inWindow(window: Omit<InteractionWindow, 'maxId'> | undefined) {
  return (query: Knex.QueryBuilder) => {
    if (window?.startAt !== undefined) query.where('occurred_at', '>=', window.startAt);
    if (window?.endAt !== undefined) query.where('occurred_at', '<', window.endAt);
  };
}

function toRow(e: InteractionWrite, receivedAt: number) {
  return {
    feedback_id: e.feedbackId,
    user_id: e.userId,
    item_id: e.itemId,
    action: e.action,
    value: e.value,
    recommendation_id: e.recommendationId,
    position: e.position,
    occurred_at: e.occurredAt,
    received_at: receivedAt,
  };
}

function toInteraction(row: InteractionRow): Interaction {
  return {
    id: Number(row.id),
    feedbackId: row.feedback_id,
    userId: row.user_id,
    itemId: row.item_id,
    action: row.action,
    value: row.value === null ? null : Number(row.value),
    recommendationId: row.recommendation_id,
    position: row.position,
    occurredAt: Number(row.occurred_at),
    receivedAt: Number(row.received_at),
  };
}

function toTrainingEvent(
  row: Pick<InteractionRow, 'id' | 'user_id' | 'item_id' | 'action' | 'value' | 'occurred_at'>,
): TrainingEvent {
  return {
    id: Number(row.id),
    userId: row.user_id,
    itemId: row.item_id,
    action: row.action,
    value: row.value === null ? null : Number(row.value),
    occurredAt: Number(row.occurred_at),
  };
}
