import { Global, Module } from '@nestjs/common';
import { Telemetry } from '../telemetry/telemetry';
import { ActiveModels } from './active-models';
import { ArtifactDecoder } from './artifact-decoder';
import { ModelActivator } from './model-activator';
import { ModelRegistryController } from './model-registry.controller';
import { ModelRegistryService } from './model-registry.service';
import { ModelRetention } from './model-retention';
import { ServingSnapshots } from './serving-snapshots';

/** Global because serving, training, health and the dashboard all read the active models. */
@Global()
@Module({
  controllers: [ModelRegistryController],
  providers: [ActiveModels, ArtifactDecoder, ServingSnapshots, ModelActivator, ModelRetention, ModelRegistryService],
  exports: [ActiveModels, ModelActivator, ModelRetention],
})
export class ModelRegistryModule {
  constructor(telemetry: Telemetry, models: ActiveModels) {
    telemetry.readServedModelsFrom(() => models.all());
  }
}
