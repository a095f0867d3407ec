import { Module } from '@nestjs/common';
import { DemoSeeder } from '../demo/demo-seeder';
import { ModelRegistryController } from '../model-registry/model-registry.controller';
import { ModelRegistryService } from '../model-registry/model-registry.service';
import { RecommendationsModule } from '../recommendations/recommendations.module';
import { ModelLifecycle } from './model-lifecycle';
import { TrainingDataBuilder } from './training-data.builder';
import { TrainingService } from './training.service';

@Module({
  imports: [RecommendationsModule],
  controllers: [ModelRegistryController],
  providers: [TrainingService, TrainingDataBuilder, ModelLifecycle, ModelRegistryService, DemoSeeder],
})
export class TrainingModule {}
