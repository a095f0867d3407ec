import { Inject, Injectable } from '@nestjs/common';
import { Knex } from 'knex';
import { isMysql, KNEX } from '../database/database';

/** One recommendation list shown under an experiment. */
export interface ImpressionWrite {
  recommendationId: string;
  userId: string;
  experimentId: string;
  variantId: string;
  itemIds: string[];
  createdAt: number;
}

/** The feedback actions an experiment's results report. */
export const ATTRIBUTED_ACTIONS = ['click', 'save', 'hide'] as const;
export type AttributedAction = (typeof ATTRIBUTED_ACTIONS)[number];

/**
 * Sums over one variant's participants of per-user quantities, enough for every estimate the
 * results make (means, ratio metrics by the delta method, CUPED) without loading a row per user.
 * Per participant: x = lists shown, y = attributed events of an action, z = the participant's
 * feedback events in the window before their first exposure (CUPED's covariate).
 */
export interface VariantSums {
  variantId: string;
  /** Participants. */
  n: number;
  lists: number;
  listsSquared: number;
  covariate: number;
  covariateSquared: number;
  listsTimesCovariate: number;
  actions: Record<AttributedAction, ActionSums>;
}

export interface ActionSums {
  /** Σy: attributed events. */
  events: number;
  /** Σy². */
  eventsSquared: number;
  /** Σxy. */
  eventsTimesLists: number;
  /** Σyz. */
  eventsTimesCovariate: number;
  /** Participants with y > 0. */
  users: number;
  /** Σ 1{y>0}·z. */
  usersTimesCovariate: number;
}

/** A variant with no participants yet; each action's sums are an object of its own, so they can be added to. */
export function emptyVariantSums(variantId: string): VariantSums {
  const action = (): ActionSums => ({
    events: 0,
    eventsSquared: 0,
    eventsTimesLists: 0,
    eventsTimesCovariate: 0,
    users: 0,
    usersTimesCovariate: 0,
  });
  return {
    variantId,
    n: 0,
    lists: 0,
    listsSquared: 0,
    covariate: 0,
    covariateSquared: 0,
    listsTimesCovariate: 0,
    actions: { click: action(), save: action(), hide: action() },
  };
}

export interface SumsQuery {
  /** Feedback without a recommendation_id counts when the item was shown this long before. */
  attributionWindowMs: number;
  /** CUPED's covariate counts a participant's feedback this long before their first exposure. */
  covariateWindowMs: number;
  /** Only assignments, impressions and feedback before this time count (a point of a daily series). */
  before?: number;
}

/** Rows per INSERT: well inside SQLite's bound-parameter limit and MySQL's packet size. */
const INSERT_CHUNK = 500;
/** Rows per DELETE while pruning: each statement holds its locks only briefly. */
const PRUNE_BATCH = 1000;

@Injectable()
export class ImpressionsRepository {
  constructor(@Inject(KNEX) private readonly db: Knex) {}

  /** One row per list, its items packed as ` a b c ` (ids never contain whitespace). */
  async insert(impressions: ImpressionWrite[]): Promise<void> {
    if (impressions.length === 0) return;
    const rows = impressions.map((m) => ({
      recommendation_id: m.recommendationId,
      experiment_id: m.experimentId,
      variant_id: m.variantId,
      user_id: m.userId,
      item_ids: packItemIds(m.itemIds),
      created_at: m.createdAt,
    }));
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      await this.db('impressions').insert(rows.slice(start, start + INSERT_CHUNK));
    }
  }

  /**
   * Deletes impressions older than `cutoff`, oldest first, PRUNE_BATCH rows per statement so no
   * statement holds locks for long. Rows are walked in id order, which is write order, so a batch
   * stops at the first row young enough to keep and never scans the table. Returns rows deleted.
   */
  async pruneCreatedBefore(cutoff: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const rows: { id: number | string; created_at: number | string }[] = await this.db('impressions')
        .orderBy('id')
        .limit(PRUNE_BATCH)
        .select('id', 'created_at');
      const firstKept = rows.findIndex((row) => Number(row.created_at) >= cutoff);
      const expired = firstKept === -1 ? rows : rows.slice(0, firstKept);
      if (expired.length === 0) return deleted;
      deleted += await this.db('impressions')
        .whereIn(
          'id',
          expired.map((row) => row.id),
        )
        .delete();
      if (expired.length < rows.length || rows.length < PRUNE_BATCH) return deleted;
    }
  }

  /**
   * Per-variant sums over participants (assigned users; QA users pinned by forced_assignments
   * are never assigned, so they stay out), computed in one set-based query. An event is
   * attributed to a participant's variant when:
   * - it carries a recommendation_id that is an impression of this experiment shown to the same
   *   user under their variant;
   * - it carries none, and the same user was shown the same item under their variant within the
   *   attribution window before acting (at or before the event's time).
   * An event whose recommendation_id names some other response is not re-attributed by window:
   * the client said where the item came from.
   */
  async variantSums(experimentId: string, query: SumsQuery): Promise<VariantSums[]> {
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    const spaced = isMysql(this.db) ? "CONCAT(' ', i.item_id, ' ')" : "(' ' || i.item_id || ' ')";
    const perAction = ATTRIBUTED_ACTIONS.map(
      (action) => `SUM(CASE WHEN i.action = '${action}' THEN 1 ELSE 0 END) AS y_${action}`,
    ).join(', ');
    const sums = ATTRIBUTED_ACTIONS.map((action) => {
      const y = `u.y_${action}`;
      return [
        `SUM(${y}) AS ${action}_events`,
        `SUM(${y} * ${y}) AS ${action}_events_squared`,
        `SUM(${y} * u.lists) AS ${action}_events_times_lists`,
        `SUM(${y} * u.covariate) AS ${action}_events_times_covariate`,
        `SUM(CASE WHEN ${y} > 0 THEN 1 ELSE 0 END) AS ${action}_users`,
        `SUM(CASE WHEN ${y} > 0 THEN u.covariate ELSE 0 END) AS ${action}_users_times_covariate`,
      ].join(', ');
    }).join(', ');
    const sql = `
      SELECT u.variant_id, COUNT(*) AS n, SUM(u.lists) AS lists, SUM(u.lists * u.lists) AS lists_squared,
        SUM(u.covariate) AS covariate, SUM(u.covariate * u.covariate) AS covariate_squared,
        SUM(u.lists * u.covariate) AS lists_times_covariate, ${sums}
      FROM (
        SELECT a.variant_id, COALESCE(x.lists, 0) AS lists, COALESCE(z.covariate, 0) AS covariate,
          ${ATTRIBUTED_ACTIONS.map((action) => `COALESCE(e.y_${action}, 0) AS y_${action}`).join(', ')}
        FROM experiment_assignments a
        LEFT JOIN (
          SELECT m.user_id, m.variant_id, COUNT(*) AS lists FROM impressions m
          WHERE m.experiment_id = ? AND m.created_at < ?
          GROUP BY m.user_id, m.variant_id
        ) x ON x.user_id = a.user_id AND x.variant_id = a.variant_id
        LEFT JOIN (
          SELECT a2.user_id, ${perAction}
          FROM experiment_assignments a2 JOIN interactions i ON i.user_id = a2.user_id
          WHERE a2.experiment_id = ? AND i.action IN (${ATTRIBUTED_ACTIONS.map(() => '?').join(', ')})
            AND i.occurred_at < ?
            AND (
              (i.recommendation_id IS NOT NULL AND EXISTS (
                SELECT 1 FROM impressions m
                WHERE m.recommendation_id = i.recommendation_id AND m.experiment_id = a2.experiment_id
                  AND m.user_id = a2.user_id AND m.variant_id = a2.variant_id))
              OR (i.recommendation_id IS NULL AND EXISTS (
                SELECT 1 FROM impressions m
                WHERE m.experiment_id = a2.experiment_id AND m.user_id = a2.user_id
                  AND m.created_at <= i.occurred_at AND m.created_at >= i.occurred_at - ?
                  AND m.variant_id = a2.variant_id AND INSTR(m.item_ids, ${spaced}) > 0))
            )
          GROUP BY a2.user_id
        ) e ON e.user_id = a.user_id
        LEFT JOIN (
          SELECT a3.user_id, COUNT(*) AS covariate
          FROM experiment_assignments a3 JOIN interactions i ON i.user_id = a3.user_id
          WHERE a3.experiment_id = ? AND i.occurred_at < a3.assigned_at AND i.occurred_at >= a3.assigned_at - ?
          GROUP BY a3.user_id
        ) z ON z.user_id = a.user_id
        WHERE a.experiment_id = ? AND a.assigned_at < ?
      ) u
      GROUP BY u.variant_id`;
    const bindings = [
      experimentId,
      before,
      experimentId,
      ...ATTRIBUTED_ACTIONS,
      before,
      query.attributionWindowMs,
      experimentId,
      query.covariateWindowMs,
      experimentId,
      before,
    ];
    const result: unknown = await this.db.raw(sql, bindings);
    const rows = (isMysql(this.db) ? (result as [SumsRow[]])[0] : result) as SumsRow[];
    return rows.map(toVariantSums);
  }
  /**
   * Per-user sums over the users shown lists (under any experiment) from `since` to `until`: lists
   * shown, and events carrying the recommendation_id of one of their lists (feedback attributed
   * only by the window is left out: matching it needs a scan per event). The baseline an
   * experiment's duration estimate starts from; `firstAt` is the oldest list in the range.
   */
  async shownHistory(since: number, until: number): Promise<HistorySums> {
    const perAction = ATTRIBUTED_ACTIONS.map(
      (action) => `SUM(CASE WHEN i.action = '${action}' THEN 1 ELSE 0 END) AS y_${action}`,
    ).join(', ');
    const sql = `
      SELECT COUNT(*) AS n, SUM(u.lists) AS lists, SUM(u.lists * u.lists) AS lists_squared,
        MIN(u.first_at) AS first_at, ${historySums('u.lists')}
      FROM (
        SELECT x.lists, x.first_at,
          ${ATTRIBUTED_ACTIONS.map((action) => `COALESCE(e.y_${action}, 0) AS y_${action}`).join(', ')}
        FROM (
          SELECT m.user_id, COUNT(*) AS lists, MIN(m.created_at) AS first_at FROM impressions m
          WHERE m.created_at >= ? AND m.created_at < ?
          GROUP BY m.user_id
        ) x
        LEFT JOIN (
          SELECT i.user_id, ${perAction}
          FROM interactions i JOIN impressions m ON m.recommendation_id = i.recommendation_id AND m.user_id = i.user_id
          WHERE m.created_at >= ? AND m.created_at < ? AND i.occurred_at < ?
            AND i.action IN (${ATTRIBUTED_ACTIONS.map(() => '?').join(', ')})
          GROUP BY i.user_id
        ) e ON e.user_id = x.user_id
      ) u`;
    return this.history(sql, [since, until, since, until, until, ...ATTRIBUTED_ACTIONS]);
  }

  /**
   * Per-user sums over the users with feedback from `since` to `until`, each counted once with
   * one "list" and a 0/1 per action (did they act at all): the share of active users who clicked,
   * the baseline when no lists were shown in the range.
   */
  async activeHistory(since: number, until: number): Promise<HistorySums> {
    const perAction = ATTRIBUTED_ACTIONS.map(
      (action) => `MAX(CASE WHEN i.action = '${action}' THEN 1 ELSE 0 END) AS y_${action}`,
    ).join(', ');
    const sql = `
      SELECT COUNT(*) AS n, COUNT(*) AS lists, COUNT(*) AS lists_squared, MIN(u.first_at) AS first_at,
        ${historySums('1')}
      FROM (
        SELECT i.user_id, MIN(i.occurred_at) AS first_at, ${perAction} FROM interactions i
        WHERE i.occurred_at >= ? AND i.occurred_at < ?
        GROUP BY i.user_id
      ) u`;
    return this.history(sql, [since, until]);
  }

  private async history(sql: string, bindings: (string | number)[]): Promise<HistorySums> {
    const result: unknown = await this.db.raw(sql, bindings);
    const [row] = (isMysql(this.db) ? (result as [SumsRow[]])[0] : result) as SumsRow[];
    const firstAt = row.first_at === null ? null : Number(row.first_at);
    return { sums: toVariantSums({ ...row, variant_id: '' }), firstAt };
  }
}

/** Σy, Σy², Σxy and users with y > 0 per action, over per-user rows `u` with lists `x`; no covariate. */
function historySums(x: string): string {
  return ATTRIBUTED_ACTIONS.map((action) => {
    const y = `u.y_${action}`;
    return [
      `SUM(${y}) AS ${action}_events`,
      `SUM(${y} * ${y}) AS ${action}_events_squared`,
      `SUM(${y} * ${x}) AS ${action}_events_times_lists`,
      `SUM(CASE WHEN ${y} > 0 THEN 1 ELSE 0 END) AS ${action}_users`,
    ].join(', ');
  }).join(', ');
}

/** A window of history summed per user, as VariantSums (no covariate), and when its data starts. */
export interface HistorySums {
  sums: VariantSums;
  /** The oldest row in the window; null when the window is empty. */
  firstAt: number | null;
}

type SumsRow = Record<string, string | number | null>;

function toVariantSums(row: SumsRow): VariantSums {
  const num = (key: string) => Number(row[key] ?? 0);
  const actions = Object.fromEntries(
    ATTRIBUTED_ACTIONS.map((action) => [
      action,
      {
        events: num(`${action}_events`),
        eventsSquared: num(`${action}_events_squared`),
        eventsTimesLists: num(`${action}_events_times_lists`),
        eventsTimesCovariate: num(`${action}_events_times_covariate`),
        users: num(`${action}_users`),
        usersTimesCovariate: num(`${action}_users_times_covariate`),
      },
    ]),
  ) as Record<AttributedAction, ActionSums>;
  return {
    variantId: String(row.variant_id),
    n: num('n'),
    lists: num('lists'),
    listsSquared: num('lists_squared'),
    covariate: num('covariate'),
    covariateSquared: num('covariate_squared'),
    listsTimesCovariate: num('lists_times_covariate'),
    actions,
  };
}

/** ` a b c `: a space on each side of every id, so `instr(item_ids, ' X ')` tests membership. */
export function packItemIds(itemIds: readonly string[]): string {
  return ` ${[...new Set(itemIds)].join(' ')} `;
}
