import { Global, Module } from '@nestjs/common';
import { ActiveModels } from './active-models';

@Global()
@Module({
  providers: [ActiveModels],
  exports: [ActiveModels],
})
export class ModelRegistryModule {}
