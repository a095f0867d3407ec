import { Inject, Injectable } from '@nestjs/common';
import { Knex } from 'knex';
import { KNEX } from '../database/database';

/**
 * Named leases for single-writer jobs across replicas: a row (holder, expires_at) that works the
 * same on SQLite and MySQL. Taking one is a single conditional write, so two replicas racing
 * cannot both succeed.
 */
@Injectable()
export class LeasesRepository {
  constructor(@Inject(KNEX) private readonly db: Knex) {}

  async tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const expiresAt = now + ttlMs;
    const taken = await this.db('leases')
      .where({ name })
      .andWhere((q) => {
        q.where('expires_at', '<', now).orWhere({ holder });
      })
      .update({ holder, expires_at: expiresAt });
    if (taken > 0) return true;
    try {
      await this.db('leases').insert({ name, holder, expires_at: expiresAt });
      return true;
    } catch {
      // Another replica holds it (the row exists and has not expired).
      return false;
    }
  }

  /**
   * False once the lease is lost: taken by another holder, or expired even if nobody took it yet
   * (other replicas may already have treated its holder as gone).
   */
  async renew(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const renewed = await this.db('leases')
      .where({ name, holder })
      .andWhere('expires_at', '>=', now)
      .update({ expires_at: now + ttlMs });
    return renewed > 0;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db('leases').where({ name, holder }).delete();
  }
}
