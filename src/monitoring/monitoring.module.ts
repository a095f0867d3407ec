import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { DatabaseHealthIndicator } from './database.health';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';

/**
 * Health probes and /metrics. The Prometheus library's own default metrics are off: they live in
 * prom-client's global registry, which a second application in the same process would register
 * twice; Telemetry collects them once per process instead.
 */
@Module({
  imports: [
    TerminusModule.forRoot({ logger: false }),
    PrometheusModule.register({ controller: MetricsController, path: '/metrics', defaultMetrics: { enabled: false } }),
  ],
  controllers: [HealthController],
  providers: [DatabaseHealthIndicator],
})
export class MonitoringModule {}
