import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
} from 'class-validator';
import { ALGORITHMS, AlgorithmName } from '../algorithms/types';
import { PreferencesDto } from '../catalogue/catalogue.dto';
import { isPlainObject, WellFormedWhen } from '../common/validation-pipe';
import { ID_PATTERN, IsId, Nested, OptionalText, OptionalTimestamp } from '../common/validation';

export class RecommendationContextDto {
  @ApiPropertyOptional({
    type: PreferencesDto,
    description: 'Preferences for this request, added to the stored profile',
  })
  @IsOptional()
  @Nested(() => PreferencesDto)
  user_preferences?: PreferencesDto;

  @OptionalTimestamp('The moment events must not have started by; defaults to now', '2026-12-01T18:00:00Z')
  current_time?: string;

  @OptionalText(50, 'mobile')
  device_type?: string;
}

class PagingDto {
  @ApiPropertyOptional({
    description: 'How many items (default DEFAULT_RECOMMENDATION_COUNT, at most MAX_RECOMMENDATION_COUNT)',
    example: 10,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  limit?: number;

  @ApiPropertyOptional({ description: 'Items to skip, for paging', example: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;

  @OptionalText(191, 'Dublin')
  city?: string;

  @ApiPropertyOptional({ enum: ALGORITHMS, description: 'Force an algorithm instead of the experiment/default one' })
  @IsOptional()
  @IsIn(ALGORITHMS)
  algorithm?: AlgorithmName;

  @ApiPropertyOptional({
    example: 'rec_algorithm_v1',
    maxLength: 191,
    description:
      'Run under this experiment while it is active. While it is draft, paused or completed the request gets the default algorithm, ' +
      'outside any experiment (ab_experiment and variant null); an id no experiment has is 404. Not consulted when algorithm is given. ' +
      'Without it, the only active experiment applies if there is exactly one',
  })
  @IsOptional()
  @IsString()
  @MaxLength(191)
  experiment_id?: string;
}

const isText = (value: unknown, maxLength: number) => typeof value === 'string' && value.length <= maxLength;
const isIntegerFrom = (value: unknown, min: number) => Number.isInteger(value) && (value as number) >= min;

/**
 * The body of nearly every recommendation request, checked in one pass: a user id and plain-typed
 * paging fields. `context`, nulls, numeric strings and anything doubtful go through the full
 * validation (validation-pipe.ts), which alone words refusals.
 */
export function isWellFormedRecommendationRequest(body: unknown): boolean {
  if (!isPlainObject(body) || typeof body.user_id !== 'string' || !ID_PATTERN.test(body.user_id)) return false;
  for (const key in body) {
    const value = body[key];
    const ok =
      key === 'user_id' ||
      (key === 'limit' && isIntegerFrom(value, 1)) ||
      (key === 'offset' && isIntegerFrom(value, 0)) ||
      (key === 'algorithm' && (ALGORITHMS as readonly unknown[]).includes(value)) ||
      ((key === 'city' || key === 'experiment_id') && isText(value, 191));
    if (!ok) return false;
  }
  return true;
}

@WellFormedWhen(isWellFormedRecommendationRequest)
export class RecommendationRequestDto extends PagingDto {
  @IsId('The user to recommend for', 'user_123')
  user_id: string;

  @ApiPropertyOptional({ type: RecommendationContextDto })
  @IsOptional()
  @Nested(() => RecommendationContextDto)
  context?: RecommendationContextDto;
}

export class RecommendationQueryDto extends PagingDto {}

export class BatchRecommendationRequestDto {
  @ApiProperty({ type: [String], example: ['user_1', 'user_2'], maxItems: 50 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(ID_PATTERN, { each: true, message: 'each of user_ids must be 1-191 characters without whitespace' })
  user_ids: string[];

  @ApiPropertyOptional({ example: 10 })
  @IsOptional()
  @IsInt()
  @Min(1)
  limit?: number;

  @OptionalText(191, 'Dublin')
  city?: string;

  @ApiPropertyOptional({ enum: ALGORITHMS })
  @IsOptional()
  @IsIn(ALGORITHMS)
  algorithm?: AlgorithmName;
}

export class SimilarQueryDto {
  @ApiPropertyOptional({ example: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  limit?: number;
}

export class ItemMetadataDto {
  @ApiProperty({ example: 'Techno Night' }) event_name: string;
  @ApiProperty({ type: String, example: 'The Button Factory', nullable: true }) venue: string | null;
  @ApiProperty({ type: String, example: '2026-12-15', nullable: true }) date: string | null;
  @ApiProperty({ type: String, example: '2026-12-15T21:00:00.000Z', nullable: true }) starts_at: string | null;
  @ApiProperty({ type: String, example: 'Electronic', nullable: true }) genre: string | null;
  @ApiProperty({ type: [String], example: ['Electronic', 'Techno'] }) genres: string[];
  @ApiProperty({ type: [String], example: ['Ben Klock'] }) artists: string[];
  @ApiProperty({ type: String, example: 'Dublin', nullable: true }) city: string | null;
  @ApiProperty({ type: String, example: 'gig', nullable: true }) type: string | null;
}

export class RecommendedItemDto {
  @ApiProperty({ example: 'evt_789' }) event_id: string;
  @ApiProperty({ example: 0.92, description: "The algorithm's score; comparable within one response" }) score: number;
  @ApiProperty({ example: 0.85, minimum: 0, maximum: 1 }) confidence: number;
  @ApiProperty({ example: 'Because you saved Techno Night' }) reason: string;
  @ApiProperty({ example: 'item_knn' }) algorithm: string;
  @ApiProperty({ type: ItemMetadataDto }) metadata: ItemMetadataDto;
}

export class RecommendationResponseDto {
  @ApiProperty({ example: 'user_123' }) user_id: string;
  @ApiProperty({ example: '6f1c2e0a-3b9d-4c55-9a57-1f0f3f1f2b7d' }) recommendation_id: string;
  @ApiProperty({ type: [RecommendedItemDto] }) recommendations: RecommendedItemDto[];
  @ApiProperty({
    type: String,
    example: 'v1.0.3',
    nullable: true,
    description: 'The model version that produced the list',
  })
  model_version: string | null;
  @ApiProperty({ example: 'hybrid' }) algorithm: string;
  @ApiProperty({ type: String, example: 'rec_algorithm_v1', nullable: true }) ab_experiment: string | null;
  @ApiProperty({ type: String, example: 'collaborative_filtering', nullable: true }) variant: string | null;
  @ApiPropertyOptional({
    example: 'hybrid has no model yet; served popularity',
    description: 'Present when the service fell back to a simpler source',
  })
  fallback?: string;
  @ApiProperty({ example: 3.21 }) latency_ms: number;
}

export class BatchRecommendationResponseDto {
  @ApiProperty({ type: [RecommendationResponseDto] }) results: RecommendationResponseDto[];
  @ApiProperty({ example: 2 }) count: number;
}

export class SimilarItemDto {
  @ApiProperty({ example: 'evt_790' }) event_id: string;
  @ApiProperty({ example: 0.41 }) score: number;
  @ApiProperty({ example: 'Often saved by people who saved Techno Night' }) reason: string;
  @ApiProperty({ type: ItemMetadataDto }) metadata: ItemMetadataDto;
}

export class SimilarItemsResponseDto {
  @ApiProperty({ example: 'evt_789' }) item_id: string;
  @ApiProperty({ type: [SimilarItemDto] }) similar: SimilarItemDto[];
  @ApiProperty({ example: 'v1.0.3' }) model_version: string;
  @ApiProperty({ example: 'item_knn' }) algorithm: string;
}
