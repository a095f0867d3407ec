import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { DemoSeeder } from '../demo/demo-seeder';
import { ModelRegistryController } from '../model-registry/model-registry.controller';
import { ModelRegistryService } from '../model-registry/model-registry.service';
import { RecommendationsModule } from '../recommendations/recommendations.module';
import { ModelLifecycle } from './model-lifecycle';
import { TrainingScheduler } from './training.scheduler';
import { TrainingService } from './training.service';

@Module({
  // The only ScheduleModule.forRoot(): each import would register every job again.
  imports: [ScheduleModule.forRoot(), RecommendationsModule],
  controllers: [ModelRegistryController],
  providers: [TrainingService, TrainingScheduler, ModelLifecycle, ModelRegistryService, DemoSeeder],
})
export class TrainingModule {}
