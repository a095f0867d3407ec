import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { FastifyReply } from 'fastify';
import { Public } from '../common/auth/access.decorators';
import { Telemetry } from '../telemetry/telemetry';
import { MetricsTokenGuard } from './metrics-token.guard';

/**
 * GET /metrics (the path comes from PrometheusModule.register): this instance's registry, as
 * Prometheus text. Outside the JWT rules and the rate limit; METRICS_TOKEN guards it instead.
 */
@ApiExcludeController()
@Controller()
@Public()
@SkipThrottle()
@UseGuards(MetricsTokenGuard)
export class MetricsController extends PrometheusController {
  constructor(private readonly telemetry: Telemetry) {
    super();
  }

  @Get()
  async index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    response.header('Content-Type', this.telemetry.contentType);
    return this.telemetry.scrape();
  }
}
