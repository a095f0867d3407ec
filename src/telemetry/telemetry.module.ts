import { Global, Module } from '@nestjs/common';
import { Telemetry } from './telemetry';

/** Global because every module counts something; /metrics itself is served by MonitoringModule. */
@Global()
@Module({
  providers: [Telemetry],
  exports: [Telemetry],
})
export class TelemetryModule {}
