import { Body, Controller, HttpStatus, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { AdminOnly } from '../common/auth/access.decorators';
import { RetrainService } from './retrain.service';
import { RetrainQueryDto, RetrainRequestDto } from './training.dto';

@ApiTags('models')
@Controller('v1')
export class TrainingController {
  constructor(private readonly retrainer: RetrainService) {}

  @Post('model/retrain')
  @AdminOnly()
  @ApiOkResponse({ description: 'Training finished: the new versions with their metrics and gate decisions' })
  @ApiAcceptedResponse({ description: 'With ?async=true: the version ids to poll at /v1/models/:id' })
  @ApiBadRequestResponse({
    description: 'A param the algorithm does not take, or outside its range (see `params`), naming it and the range',
  })
  @ApiUnprocessableEntityResponse({
    description: 'The estimated training memory is above TRAINING_MEMORY_BUDGET_MB; the message gives both',
  })
  @ApiConflictResponse({ description: 'A training run is already under way here or on another replica' })
  @ApiServiceUnavailableResponse({
    description: 'This replica only serves (SERVICE_ROLE=api): send the retrain to the trainer (SERVICE_ROLE=trainer)',
  })
  async retrain(
    @Body() dto: RetrainRequestDto,
    @Query() query: RetrainQueryDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    if (query.async === 'true') {
      res.status(HttpStatus.ACCEPTED);
      return this.retrainer.retrainAsync(dto);
    }
    res.status(HttpStatus.OK);
    return this.retrainer.retrain(dto);
  }
}
