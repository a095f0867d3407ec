import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { ExperimentsModule } from '../experiments/experiments.module';
import { MetricsController } from './metrics.controller';
import { Telemetry } from './telemetry';

/**
 * Metrics for every module (hence global) and the /metrics endpoint. The library's own default
 * metrics are off: they live in prom-client's global registry, which a second application in the
 * same process would register twice; Telemetry collects them once per process instead.
 */
@Global()
@Module({
  imports: [
    PrometheusModule.register({ controller: MetricsController, path: '/metrics', defaultMetrics: { enabled: false } }),
    ExperimentsModule,
  ],
  providers: [Telemetry],
  exports: [Telemetry],
})
export class TelemetryModule {}
