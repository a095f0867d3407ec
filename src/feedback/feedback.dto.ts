import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsId, Nested, OptionalTimestamp } from '../common/validation';
import { FEEDBACK_ACTIONS, FeedbackAction } from '../domain/feedback-actions';
import { Interaction } from '../repositories/interactions.repository';

export class FeedbackContextDto {
  @ApiPropertyOptional({
    description: 'The recommendation_id of the response that showed the item',
    example: 'rec_2f1c…',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  recommendation_id?: string;

  @ApiPropertyOptional({ description: 'Zero-based position in that list', example: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10000)
  position?: number;

  @OptionalTimestamp('When the user acted; defaults to the time of receipt', '2026-11-23T12:00:00Z')
  timestamp?: string;
}

export class FeedbackDto {
  @IsId('The user who acted', 'user_123')
  user_id: string;

  @IsId('The item acted on; unknown ids create a placeholder item', 'evt_789')
  event_id: string;

  @ApiProperty({ enum: FEEDBACK_ACTIONS, example: 'save' })
  @IsIn(FEEDBACK_ACTIONS)
  action: FeedbackAction;

  @ApiPropertyOptional({ description: 'rate: 0-5; watch: completion fraction 0-1', example: 4.5 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  value?: number;

  @ApiPropertyOptional({ type: FeedbackContextDto })
  @IsOptional()
  @Nested(() => FeedbackContextDto)
  context?: FeedbackContextDto;
}

export class BatchFeedbackDto extends FeedbackDto {
  @ApiPropertyOptional({
    description: 'Client-chosen id, scoped to the user; an event whose user already stored this id is skipped',
    example: 'fb_0001',
  })
  @IsOptional()
  @IsString()
  @MaxLength(191)
  feedback_id?: string;
}

export class FeedbackBatchDto {
  @ApiProperty({ type: [BatchFeedbackDto], maxItems: 1000 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @Nested(() => BatchFeedbackDto)
  events: BatchFeedbackDto[];
}

export class FeedbackRecordedDto {
  @ApiProperty({ example: 'success' }) status: string;
  @ApiProperty({ example: 'Feedback recorded' }) message: string;
}

export class FeedbackBatchRecordedDto extends FeedbackRecordedDto {
  @ApiProperty({ example: 1000, description: 'Events in the request' }) received: number;
  @ApiProperty({ example: 998, description: 'Events newly stored' }) stored: number;
  @ApiProperty({ example: 2, description: 'Events skipped because their user had already stored their feedback_id' })
  duplicates: number;
}

export class FeedbackEventDto {
  @ApiProperty({ example: 'fb_0001', nullable: true }) feedback_id: string | null;
  @ApiProperty({ example: 'user_123' }) user_id: string;
  @ApiProperty({ example: 'evt_789' }) event_id: string;
  @ApiProperty({ enum: FEEDBACK_ACTIONS }) action: FeedbackAction;
  @ApiProperty({ nullable: true, example: null }) value: number | null;
  @ApiProperty({ type: FeedbackContextDto }) context: {
    recommendation_id: string | null;
    position: number | null;
    timestamp: string;
  };
  @ApiProperty({ example: '2026-11-23T12:00:00.123Z' }) received_at: string;
}

export class FeedbackListDto {
  @ApiProperty({ type: [FeedbackEventDto] }) feedback: FeedbackEventDto[];
  @ApiProperty({ example: 1 }) count: number;
}

export function feedbackEventResponse(e: Interaction): FeedbackEventDto {
  return {
    feedback_id: e.feedbackId,
    user_id: e.userId,
    event_id: e.itemId,
    action: e.action,
    value: e.value,
    context: {
      recommendation_id: e.recommendationId,
      position: e.position,
      timestamp: new Date(e.occurredAt).toISOString(),
    },
    received_at: new Date(e.receivedAt).toISOString(),
  };
}
