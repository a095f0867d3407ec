import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Response } from 'express';
import { AdminOnly } from '../common/auth/access.decorators';
import { ModelInfoDto, ModelIdParamDto, ModelListDto, ModelListQueryDto, ModelVersionDto, RetrainQueryDto, RetrainRequestDto } from './model-registry.dto';
import { ModelRegistryService } from './model-registry.service';

@ApiTags('models')
@Controller('v1')
export class ModelRegistryController {
  constructor(private readonly registry: ModelRegistryService) {}

  @Get('model/info')
  @ApiOkResponse({ type: ModelInfoDto })
  info(): Promise<ModelInfoDto> {
    return this.registry.info();
  }

  @Post('model/retrain')
  @AdminOnly()
  @ApiOkResponse({ description: 'Training finished: the new versions with their metrics and gate decisions' })
  @ApiAcceptedResponse({ description: 'With ?async=true: the version ids to poll at /v1/models/:id' })
  @ApiBadRequestResponse({ description: 'A param the algorithm does not take, or outside its range (see `params`), naming it and the range' })
  @ApiUnprocessableEntityResponse({ description: 'The estimated training memory is above TRAINING_MEMORY_BUDGET_MB; the message gives both' })
  @ApiConflictResponse({ description: 'A training run is already under way here or on another replica' })
  async retrain(@Body() dto: RetrainRequestDto, @Query() query: RetrainQueryDto, @Res({ passthrough: true }) res: Response) {
    if (query.async === 'true') {
      res.status(HttpStatus.ACCEPTED);
      return this.registry.retrainAsync(dto);
    }
    res.status(HttpStatus.OK);
    return this.registry.retrain(dto);
  }

  @Get('models')
  @ApiOkResponse({ type: ModelListDto })
  list(@Query() query: ModelListQueryDto): Promise<ModelListDto> {
    return this.registry.list(query);
  }

  @Get('models/:id')
  @ApiOkResponse({ type: ModelVersionDto })
  get(@Param() { id }: ModelIdParamDto): Promise<ModelVersionDto> {
    return this.registry.get(id);
  }

  @Post('models/:id/activate')
  @AdminOnly()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ModelVersionDto, description: 'The version now serving (rollback or roll forward)' })
  activate(@Param() { id }: ModelIdParamDto): Promise<ModelVersionDto> {
    return this.registry.activate(id);
  }

  @Post('models/:id/cancel')
  @AdminOnly()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({
    type: ModelVersionDto,
    description: 'Cancel requested: its trainer, on whichever replica, stops it within seconds and the version ends `cancelled`; poll /v1/models/:id',
  })
  @ApiNotFoundResponse({ description: 'No such model version' })
  @ApiConflictResponse({ description: 'The version is not training' })
  cancel(@Param() { id }: ModelIdParamDto): Promise<ModelVersionDto> {
    return this.registry.cancel(id);
  }
}
