import { Module } from '@nestjs/common';
import { ExperimentsModule } from '../experiments/experiments.module';
import { CatalogueCache } from './catalogue-cache';
import { ExclusionLog } from './exclusion-log';
import { Exclusions } from './exclusions';
import { RecommendationsController } from './recommendations.controller';
import { RecommendationsService } from './recommendations.service';
import { UserContextBuilder } from './user-context';

@Module({
  imports: [ExperimentsModule],
  controllers: [RecommendationsController],
  providers: [RecommendationsService, CatalogueCache, UserContextBuilder, Exclusions, ExclusionLog],
  exports: [RecommendationsService],
})
export class RecommendationsModule {}
