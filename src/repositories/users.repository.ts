import { Inject, Injectable } from '@nestjs/common';
import { Knex } from 'knex';
import { KNEX } from '../database/database';
import { prepared } from '../database/prepared-statements';
import { SQLITE_READER, SqliteReader } from '../database/sqlite-reader';
import { fromJson, toJson } from './json-columns';

export interface UserPreferences {
  genres?: string[];
  artists?: string[];
}

export interface User {
  id: string;
  city: string | null;
  preferences: UserPreferences;
  createdAt: number;
  updatedAt: number;
}

interface UserRow {
  id: string;
  city: string | null;
  preferences: string;
  created_at: number;
  updated_at: number;
}

@Injectable()
export class UsersRepository {
  constructor(
    @Inject(KNEX) private readonly db: Knex,
    @Inject(SQLITE_READER) private readonly reader: SqliteReader = null,
  ) {}

  async getById(id: string): Promise<User | undefined> {
    const row = this.reader
      ? (prepared(this.reader, 'SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined)
      : await this.db<UserRow>('users').where({ id }).first();
    return row && toUser(row);
  }

  async upsert(user: Pick<User, 'id' | 'city' | 'preferences'>): Promise<void> {
    const now = Date.now();
    await this.db('users')
      .insert({ id: user.id, city: user.city, preferences: toJson(user.preferences), created_at: now, updated_at: now })
      .onConflict('id')
      .merge(['city', 'preferences', 'updated_at']);
  }
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    city: row.city,
    preferences: fromJson(row.preferences, {}),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
