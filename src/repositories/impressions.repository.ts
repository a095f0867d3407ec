import { Inject, Injectable } from '@nestjs/common';
import { Knex } from 'knex';
import { KNEX } from '../database/database';
import { toJson } from './json-columns';

/** One recommendation response shown under an experiment. */
export interface ImpressionWrite {
  recommendationId: string;
  userId: string;
  experimentId: string;
  variantId: string;
  algorithm: string;
  itemIds: string[];
  createdAt: number;
}

/** The feedback actions an experiment's results report. */
const ATTRIBUTED_ACTIONS = ['click', 'save', 'hide'] as const;
export type AttributedAction = (typeof ATTRIBUTED_ACTIONS)[number];

export interface AttributedFeedback {
  variantId: string;
  action: AttributedAction;
  /** Attributed events. */
  events: number;
  /** Distinct participants with at least one attributed event. */
  users: number;
}

interface AttributedRow {
  variant_id: string;
  action: AttributedAction;
  events: number | string;
  users: number | string;
}

/** Rows per INSERT: well inside SQLite's bound-parameter limit and MySQL's packet size. */
const INSERT_CHUNK = 500;

@Injectable()
export class ImpressionsRepository {
  constructor(@Inject(KNEX) private readonly db: Knex) {}

  /** Stores the impressions and the (user, item) pairs they showed, in one transaction. */
  async insert(impressions: ImpressionWrite[]): Promise<void> {
    if (impressions.length === 0) return;
    const rows = impressions.map((m) => ({
      recommendation_id: m.recommendationId,
      user_id: m.userId,
      experiment_id: m.experimentId,
      variant_id: m.variantId,
      algorithm: m.algorithm,
      item_ids: toJson(m.itemIds),
      created_at: m.createdAt,
    }));
    const items = impressions.flatMap((m) =>
      [...new Set(m.itemIds)].map((itemId) => ({
        experiment_id: m.experimentId,
        variant_id: m.variantId,
        user_id: m.userId,
        item_id: itemId,
        shown_at: m.createdAt,
      })),
    );
    await this.db.transaction(async (trx) => {
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        await trx('impressions').insert(rows.slice(start, start + INSERT_CHUNK));
      }
      for (let start = 0; start < items.length; start += INSERT_CHUNK) {
        await trx('impression_items').insert(items.slice(start, start + INSERT_CHUNK));
      }
    });
  }

  /**
   * Impressions per variant, counting only those a participant saw under their own assigned
   * variant: QA users pinned by forced_assignments are not participants and stay out of results.
   */
  async countByVariant(experimentId: string): Promise<Map<string, number>> {
    const rows = await this.db('experiment_assignments as a')
      .join('impressions as m', (on) =>
        on
          .on('m.experiment_id', 'a.experiment_id')
          .andOn('m.user_id', 'a.user_id')
          .andOn('m.variant_id', 'a.variant_id'),
      )
      .where('a.experiment_id', experimentId)
      .groupBy('a.variant_id')
      .select('a.variant_id')
      .count<{ variant_id: string; n: number | string }[]>({ n: '*' });
    return new Map(rows.map((row) => [row.variant_id, Number(row.n)]));
  }

  /**
   * Click, save and hide events attributed to each variant, in one set-based query:
   * - feedback carrying a recommendation_id counts when that id is an impression of this
   *   experiment shown to the same user under their assigned variant;
   * - feedback without one counts when the same user was shown the same item under their
   *   variant within `windowMs` before acting (at or before the feedback's time).
   * Feedback whose recommendation_id names some other response is not re-attributed by window:
   * the client said where the item came from.
   */
  async attributedFeedback(experimentId: string, windowMs: number): Promise<AttributedFeedback[]> {
    const db = this.db;
    const rows: AttributedRow[] = await db('experiment_assignments as a')
      .join('interactions as i', 'i.user_id', 'a.user_id')
      .where('a.experiment_id', experimentId)
      .whereIn('i.action', ATTRIBUTED_ACTIONS)
      .where((either) => {
        either
          .where((byId) => {
            byId
              .whereNotNull('i.recommendation_id')
              .whereExists(
                db('impressions as m')
                  .select(db.raw('1'))
                  .where('m.recommendation_id', db.ref('i.recommendation_id'))
                  .where('m.experiment_id', db.ref('a.experiment_id'))
                  .where('m.user_id', db.ref('a.user_id'))
                  .where('m.variant_id', db.ref('a.variant_id')),
              );
          })
          .orWhere((byWindow) => {
            byWindow
              .whereNull('i.recommendation_id')
              .whereExists(
                db('impression_items as s')
                  .select(db.raw('1'))
                  .where('s.experiment_id', db.ref('a.experiment_id'))
                  .where('s.user_id', db.ref('a.user_id'))
                  .where('s.item_id', db.ref('i.item_id'))
                  .where('s.variant_id', db.ref('a.variant_id'))
                  .where('s.shown_at', '<=', db.ref('i.occurred_at'))
                  .whereRaw('?? >= ?? - ?', ['s.shown_at', 'i.occurred_at', windowMs]),
              );
          });
      })
      .groupBy('a.variant_id', 'i.action')
      .select('a.variant_id', 'i.action')
      .count({ events: '*' })
      .countDistinct({ users: 'i.user_id' });
    return rows.map((row) => ({
      variantId: row.variant_id,
      action: row.action,
      events: Number(row.events),
      users: Number(row.users),
    }));
  }
}
