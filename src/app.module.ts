import { DynamicModule, Module } from '@nestjs/common';
import { BusModule } from './bus/bus.module';
import { CatalogueModule } from './catalogue/catalogue.module';
import { AuthModule } from './common/auth/auth.module';
import { CoreModule } from './common/core.module';
import { AppConfig } from './config/config';
import { DashboardModule } from './dashboard/dashboard.module';
import { DemoModule } from './demo/demo.module';
import { ExperimentsModule } from './experiments/experiments.module';
import { FeedbackModule } from './feedback/feedback.module';
import { ModelRegistryModule } from './model-registry/model-registry.module';
import { MonitoringModule } from './monitoring/monitoring.module';
import { RecommendationsModule } from './recommendations/recommendations.module';
import { TelemetryModule } from './telemetry/telemetry.module';
import { TrainingModule } from './training/training.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        AuthModule.forRoot(config),
        TelemetryModule,
        ModelRegistryModule,
        CatalogueModule,
        ExperimentsModule,
        FeedbackModule,
        RecommendationsModule,
        TrainingModule,
        DemoModule,
        MonitoringModule,
        DashboardModule,
        BusModule,
      ],
    };
  }
}
