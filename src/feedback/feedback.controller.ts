import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { OwnUser } from '../common/auth/access.decorators';
import { SerializedAs } from '../common/response-schema';
import { IdParamDto } from '../common/validation';
import {
  FeedbackBatchDto,
  FeedbackBatchRecordedDto,
  FeedbackDto,
  FeedbackListDto,
  FeedbackRecordedDto,
} from './feedback.dto';
import { FeedbackService } from './feedback.service';

class FeedbackListQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

@ApiTags('feedback')
@ApiBadRequestResponse({ description: 'Invalid input: `{"detail": "..."}`, nothing stored' })
@ApiServiceUnavailableResponse({ description: 'Database unavailable: nothing stored, retry' })
@Controller('v1')
export class FeedbackController {
  constructor(private readonly feedback: FeedbackService) {}

  @Post('feedback')
  @OwnUser('body.user_id')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: FeedbackRecordedDto, description: 'Sent only once the event is durably stored' })
  @SerializedAs(FeedbackRecordedDto)
  async record(@Body() dto: FeedbackDto): Promise<FeedbackRecordedDto> {
    await this.feedback.record(dto);
    return { status: 'success', message: 'Feedback recorded' };
  }

  @Post('feedback/batch')
  @OwnUser('body.events[].user_id')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: FeedbackBatchRecordedDto })
  @SerializedAs(FeedbackBatchRecordedDto)
  async recordBatch(@Body() dto: FeedbackBatchDto): Promise<FeedbackBatchRecordedDto> {
    const { received, stored } = await this.feedback.recordBatch(dto.events);
    return { status: 'success', message: 'Feedback recorded', received, stored, duplicates: received - stored };
  }

  @Get('users/:id/feedback')
  @OwnUser('params.id')
  @ApiOkResponse({ type: FeedbackListDto, description: "The user's events, newest first" })
  async listForUser(@Param() { id }: IdParamDto, @Query() { limit }: FeedbackListQueryDto): Promise<FeedbackListDto> {
    const feedback = await this.feedback.listForUser(id, limit ?? 50);
    return { feedback, count: feedback.length };
  }
}
