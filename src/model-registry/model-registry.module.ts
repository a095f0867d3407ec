import { Global, Module } from '@nestjs/common';
import { ActiveModels } from './active-models';
import { ArtifactDecoder } from './artifact-decoder';
import { ModelActivator } from './model-activator';
import { ModelRetention } from './model-retention';

@Global()
@Module({
  providers: [ActiveModels, ArtifactDecoder, ModelActivator, ModelRetention],
  exports: [ActiveModels, ModelActivator, ModelRetention],
})
export class ModelRegistryModule {}
