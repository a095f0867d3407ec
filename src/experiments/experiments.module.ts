import { Module } from '@nestjs/common';
import { Telemetry } from '../telemetry/telemetry';
import { ExperimentAssigner } from './experiment-assigner';
import { ExperimentsController } from './experiments.controller';
import { ExperimentsService } from './experiments.service';
import { ImpressionRecorder } from './impression-recorder';
import { ImpressionRetention } from './impression-retention';

/** Experiments over HTTP, plus the two services the recommendation path calls. */
@Module({
  controllers: [ExperimentsController],
  providers: [ExperimentsService, ExperimentAssigner, ImpressionRecorder, ImpressionRetention],
  exports: [ExperimentAssigner, ImpressionRecorder],
})
export class ExperimentsModule {
  constructor(telemetry: Telemetry, impressions: ImpressionRecorder) {
    telemetry.readDroppedImpressionsFrom(() => impressions.dropped);
  }
}
