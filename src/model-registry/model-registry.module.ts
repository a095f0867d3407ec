import { Global, Module } from '@nestjs/common';
import { ActiveModels } from './active-models';
import { ModelActivator } from './model-activator';
import { ModelRetention } from './model-retention';

@Global()
@Module({
  providers: [ActiveModels, ModelActivator, ModelRetention],
  exports: [ActiveModels, ModelActivator, ModelRetention],
})
export class ModelRegistryModule {}
