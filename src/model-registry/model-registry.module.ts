import { Global, Module } from '@nestjs/common';
import { ActiveModels } from './active-models';
import { ModelActivator } from './model-activator';

@Global()
@Module({
  providers: [ActiveModels, ModelActivator],
  exports: [ActiveModels, ModelActivator],
})
export class ModelRegistryModule {}
