import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { DemoModule } from '../demo/demo.module';
import { ModelLifecycle } from './model-lifecycle';
import { RetrainService } from './retrain.service';
import { TrainingController } from './training.controller';
import { TrainingScheduler } from './training.scheduler';
import { TrainingService } from './training.service';

@Module({
  // The only ScheduleModule.forRoot(): each import would register every job again.
  imports: [ScheduleModule.forRoot(), DemoModule],
  controllers: [TrainingController],
  providers: [TrainingService, RetrainService, TrainingScheduler, ModelLifecycle],
})
export class TrainingModule {}
