import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { OwnUser } from '../common/auth/access.decorators';
import { SerializedAs } from '../common/response-schema';
import { IdParamDto } from '../common/validation';
import {
  BatchRecommendationRequestDto,
  BatchRecommendationResponseDto,
  RecommendationQueryDto,
  RecommendationRequestDto,
  RecommendationResponseDto,
  SimilarItemsResponseDto,
  SimilarQueryDto,
} from './recommendations.dto';
import { RecommendationsService } from './recommendations.service';
import { writeBatchRecommendationResponse, writeRecommendationResponse } from './response-writer';

const UNKNOWN_EXPERIMENT = '`{"detail": "experiment … not found"}`: experiment_id names no experiment';

@ApiTags('recommendations')
@ApiBadRequestResponse({ description: 'Invalid input: `{"detail": "..."}`' })
@Controller('v1')
export class RecommendationsController {
  constructor(private readonly recommendations: RecommendationsService) {}

  @Post('recommendations')
  @OwnUser('body.user_id')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: RecommendationResponseDto })
  @SerializedAs(RecommendationResponseDto, { writer: writeRecommendationResponse })
  @ApiNotFoundResponse({ description: UNKNOWN_EXPERIMENT })
  recommend(@Body() dto: RecommendationRequestDto): Promise<RecommendationResponseDto> {
    return this.recommendations.recommend({
      userId: dto.user_id,
      limit: dto.limit,
      offset: dto.offset,
      city: dto.city,
      algorithm: dto.algorithm,
      experimentId: dto.experiment_id,
      preferences: dto.context?.user_preferences,
      currentTime: dto.context?.current_time,
    });
  }

  @Post('recommendations/batch')
  @OwnUser('body.user_ids[]')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: BatchRecommendationResponseDto })
  @SerializedAs(BatchRecommendationResponseDto, { writer: writeBatchRecommendationResponse })
  async recommendBatch(@Body() dto: BatchRecommendationRequestDto): Promise<BatchRecommendationResponseDto> {
    const results = [];
    for (const userId of dto.user_ids) {
      results.push(
        await this.recommendations.recommend({ userId, limit: dto.limit, city: dto.city, algorithm: dto.algorithm }),
      );
    }
    return { results, count: results.length };
  }

  @Get('recommendations/:id')
  @OwnUser('params.id')
  @ApiOkResponse({ type: RecommendationResponseDto })
  @SerializedAs(RecommendationResponseDto, { writer: writeRecommendationResponse })
  @ApiNotFoundResponse({ description: UNKNOWN_EXPERIMENT })
  recommendFor(
    @Param() { id }: IdParamDto,
    @Query() query: RecommendationQueryDto,
  ): Promise<RecommendationResponseDto> {
    return this.recommendations.recommend({
      userId: id,
      limit: query.limit,
      offset: query.offset,
      city: query.city,
      algorithm: query.algorithm,
      experimentId: query.experiment_id,
    });
  }

  @Get('items/:id/similar')
  @ApiOkResponse({ type: SimilarItemsResponseDto, description: '"You may also like": items liked by the same people' })
  @SerializedAs(SimilarItemsResponseDto)
  @ApiNotFoundResponse({ description: 'No such item' })
  similar(@Param() { id }: IdParamDto, @Query() { limit }: SimilarQueryDto): Promise<SimilarItemsResponseDto> {
    return this.recommendations.similar(id, limit);
  }
}
