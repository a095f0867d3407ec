import { ApiProperty } from '@nestjs/swagger';

const RATE = { type: Number, nullable: true } as const;
const COUNTS = { type: 'object', additionalProperties: { type: 'number' }, nullable: true } as const;

export class LiveTotalsDto {
  @ApiProperty({ ...RATE, example: 1520, description: 'API requests (routes under /v1/) since the process started' })
  requests: number | null;
  @ApiProperty({ ...RATE, example: 3 }) server_errors: number | null;
  @ApiProperty({ ...RATE, example: 12 }) client_errors: number | null;
  @ApiProperty({ ...RATE, example: 800 }) cache_hits: number | null;
  @ApiProperty({ ...RATE, example: 240 }) cache_misses: number | null;
  @ApiProperty({ ...COUNTS, example: { click: 120, save: 30 } }) feedback: Record<string, number> | null;
}

export class LiveAvailabilityDto {
  @ApiProperty({ description: 'ml_service_requests_total is exported' }) requests: boolean;
  @ApiProperty({ description: 'ml_service_latency_seconds is exported' }) latency: boolean;
  @ApiProperty({ description: 'ml_service_cache_requests_total is exported' }) cache: boolean;
  @ApiProperty({ description: 'ml_service_feedback_total is exported' }) feedback: boolean;
}

/**
 * Live serving figures of this replica. Rates cover the last `window_seconds` (about ten seconds
 * once someone has been polling, since start-up on the first call). Null: the metric is not
 * exported, or the figure is undefined (no request in the window has no error rate).
 */
export class LiveReportDto {
  @ApiProperty({ example: '2026-11-23T12:00:00.000Z' }) timestamp: string;
  @ApiProperty({ example: 10.2 }) window_seconds: number;
  @ApiProperty({ ...RATE, example: 14.5 }) requests_per_second: number | null;
  @ApiProperty({ ...RATE, example: 0.002, description: 'Share of API requests answered 5xx' }) server_error_rate:
    number | null;
  @ApiProperty({ ...RATE, example: 0.01, description: 'Share of API requests answered 4xx' }) client_error_rate:
    number | null;
  @ApiProperty({ ...RATE, example: 4.1, description: 'From histogram buckets, interpolated within the bucket' })
  latency_p50_ms: number | null;
  @ApiProperty({ ...RATE, example: 48 }) latency_p99_ms: number | null;
  @ApiProperty({ ...RATE, example: 0.77 }) cache_hit_rate: number | null;
  @ApiProperty({ ...COUNTS, example: { click: 0.4, save: 0.1 } }) feedback_per_second: Record<string, number> | null;
  @ApiProperty({ type: LiveTotalsDto }) totals: LiveTotalsDto;
  @ApiProperty({ type: LiveAvailabilityDto }) available: LiveAvailabilityDto;
}

export class RecentUsersDto {
  @ApiProperty({
    type: [String],
    example: ['user_001', 'user_042'],
    description: 'Users with the most recent feedback, newest first',
  })
  user_ids: string[];
}
