import { Inject, Injectable } from '@nestjs/common';
import { Knex } from 'knex';
import { KNEX } from '../database/database';
import { fromJson, toJson } from './json-columns';

export interface Item {
  id: string;
  name: string;
  type: string | null;
  city: string | null;
  venue: string | null;
  startsAt: number | null;
  endsAt: number | null;
  genres: string[];
  artists: string[];
  tags: string[];
  metadata: Record<string, unknown>;
  isPlaceholder: boolean;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
}

export type ItemWrite = Omit<Item, 'isPlaceholder' | 'createdAt' | 'updatedAt' | 'deletedAt'>;

interface ItemRow {
  id: string;
  name: string;
  type: string | null;
  city: string | null;
  venue: string | null;
  starts_at: number | null;
  ends_at: number | null;
  genres: string;
  artists: string;
  tags: string;
  metadata: string;
  is_placeholder: number | boolean;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

@Injectable()
export class ItemsRepository {
  constructor(@Inject(KNEX) private readonly db: Knex) {}

  async getById(id: string): Promise<Item | undefined> {
    const row = await this.db<ItemRow>('items').where({ id }).first();
    return row && toItem(row);
  }

  async getByIds(ids: string[]): Promise<Item[]> {
    if (ids.length === 0) return [];
    const rows = await this.db<ItemRow>('items').whereIn('id', ids);
    return rows.map(toItem);
  }

  /** Ids and change times of the real (not placeholder) items written or deleted since `since`. */
  async getChangedSince(since: number): Promise<{ id: string; updatedAt: number }[]> {
    const rows = await this.db<ItemRow>('items')
      .where('updated_at', '>=', since)
      .andWhere('is_placeholder', false)
      .select('id', 'updated_at');
    return rows.map((row) => ({ id: row.id, updatedAt: Number(row.updated_at) }));
  }

  /** Every live item, in batches, so a large catalogue never sits in memory as rows twice. */
  async *streamLive(batchSize = 5000): AsyncGenerator<Item[]> {
    let after = '';
    for (;;) {
      const rows = await this.db<ItemRow>('items')
        .whereNull('deleted_at')
        .andWhere('id', '>', after)
        .orderBy('id')
        .limit(batchSize);
      if (rows.length === 0) return;
      yield rows.map(toItem);
      after = rows[rows.length - 1].id;
    }
  }

  /** Inserts or replaces the items; a write revives a soft-deleted item and clears the placeholder flag. */
  async upsert(items: ItemWrite[], trx: Knex = this.db): Promise<void> {
    if (items.length === 0) return;
    const now = Date.now();
    const rows = items.map((item) => ({
      ...toRow(item),
      is_placeholder: false,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    }));
    for (const chunk of chunks(rows)) {
      await trx('items')
        .insert(chunk)
        .onConflict('id')
        .merge([
          'name',
          'type',
          'city',
          'venue',
          'starts_at',
          'ends_at',
          'genres',
          'artists',
          'tags',
          'metadata',
          'is_placeholder',
          'updated_at',
          'deleted_at',
        ]);
    }
  }

  /** Returns whether a live item was deleted. */
  async softDelete(id: string): Promise<boolean> {
    const now = Date.now();
    const changed = await this.db('items')
      .where({ id })
      .whereNull('deleted_at')
      .update({ deleted_at: now, updated_at: now });
    return changed > 0;
  }

  async countLive(): Promise<number> {
    const row = await this.db('items').whereNull('deleted_at').count<{ n: number | string }[]>({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }
}

/** knex compiles a multi-row insert for SQLite as a compound SELECT, capped at 500 terms. */
const ROWS_PER_STATEMENT = 500;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT)
    out.push(rows.slice(start, start + ROWS_PER_STATEMENT));
  return out;
}

/** Creates placeholder rows for ids not yet in the catalogue, so feedback may arrive before the item. */
export async function insertPlaceholderItems(db: Knex, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  for (const chunk of chunks(placeholderRows(ids, Date.now())))
    await db('items').insert(chunk).onConflict('id').ignore();
}

/** Rows for items known only from feedback: named by their id, not recommendable until written. */
export function placeholderRows(ids: string[], now: number) {
  return [...new Set(ids)].map((id) => ({
    ...toRow({
      id,
      name: id,
      type: null,
      city: null,
      venue: null,
      startsAt: null,
      endsAt: null,
      genres: [],
      artists: [],
      tags: [],
      metadata: {},
    }),
    is_placeholder: true,
    created_at: now,
    updated_at: now,
  }));
}

function toRow(item: ItemWrite) {
  return {
    id: item.id,
    name: item.name,
    type: item.type,
    city: item.city,
    venue: item.venue,
    starts_at: item.startsAt,
    ends_at: item.endsAt,
    genres: toJson(item.genres),
    artists: toJson(item.artists),
    tags: toJson(item.tags),
    metadata: toJson(item.metadata),
  };
}

function toItem(row: ItemRow): Item {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    city: row.city,
    venue: row.venue,
    startsAt: row.starts_at === null ? null : Number(row.starts_at),
    endsAt: row.ends_at === null ? null : Number(row.ends_at),
    genres: fromJson(row.genres, []),
    artists: fromJson(row.artists, []),
    tags: fromJson(row.tags, []),
    metadata: fromJson(row.metadata, {}),
    isPlaceholder: Boolean(row.is_placeholder),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
  };
}
