import { Module } from '@nestjs/common';
import { DashboardApiController } from './dashboard-api.controller';
import { DashboardController } from './dashboard.controller';
import { LiveStats } from './live-stats';

/** The operator's dashboard at /dashboard: experiments, models, live serving and a try-it page. */
@Module({
  controllers: [DashboardController, DashboardApiController],
  providers: [{ provide: LiveStats, useFactory: () => new LiveStats(Date.now()) }],
})
export class DashboardModule {}
