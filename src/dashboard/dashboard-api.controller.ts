import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/access.decorators';
import { InteractionsRepository } from '../repositories/interactions.repository';
import { Telemetry } from '../telemetry/telemetry';
import { LiveReportDto, RecentUsersDto } from './live-report.dto';
import { LiveStats, readTotals } from './live-stats';
import { parsePrometheusText } from './prometheus-text';

const SUGGESTED_USERS = 20;

/** The JSON the dashboard needs beyond the public API; operators' data, so admin-only like the model registry. */
@ApiTags('dashboard')
@AdminOnly()
@Controller('dashboard/api')
export class DashboardApiController {
  constructor(
    private readonly stats: LiveStats,
    private readonly interactions: InteractionsRepository,
    private readonly telemetry: Telemetry,
  ) {}

  @Get('live')
  @ApiOkResponse({
    type: LiveReportDto,
    description: "This replica's request rate, latency, errors, cache hits and feedback, from its own metrics",
  })
  async live(): Promise<LiveReportDto> {
    // Telemetry's registry belongs to this application instance and is exposed only as text.
    // A metric not (yet) in it comes out as null rather than failing the page.
    const text = await this.telemetry.scrape();
    return this.stats.report(readTotals(parsePrometheusText(text)), Date.now());
  }

  @Get('recent-users')
  @ApiOkResponse({ type: RecentUsersDto })
  async recent(): Promise<RecentUsersDto> {
    return { user_ids: await this.interactions.getRecentUserIds(SUGGESTED_USERS) };
  }
}
