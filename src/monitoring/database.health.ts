import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Knex } from 'knex';
import { KNEX } from '../database/database';

@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @Inject(KNEX) private readonly db: Knex,
    private readonly health: HealthIndicatorService,
  ) {}

  /**
   * Up when `select 1` answers. Otherwise down, or only degraded when the caller can serve without
   * the database: readiness then still passes, with the outage in its body.
   */
  async ping(key: string, { canServeWithout }: { canServeWithout: boolean }) {
    const indicator = this.health.check(key);
    try {
      await this.db.raw('select 1');
      return indicator.up();
    } catch {
      const outage = { message: 'database unreachable' };
      return canServeWithout ? indicator.degraded(outage) : indicator.down(outage);
    }
  }
}
