import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Knex } from 'knex';
import { KNEX } from '../common/database';

@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @Inject(KNEX) private readonly db: Knex,
    private readonly health: HealthIndicatorService,
  ) {}

  async ping(key: string) {
    const indicator = this.health.check(key);
    try {
      await this.db.raw('select 1');
      return indicator.up();
    } catch {
      return indicator.down({ message: 'database unreachable' });
    }
  }
}
