import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/access.decorators';
import { ModelInfoDto, ModelIdParamDto, ModelListDto, ModelListQueryDto, ModelVersionDto } from './model-registry.dto';
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
    description:
      'Cancel requested: its trainer, on whichever replica, stops it within seconds and the version ends `cancelled`; poll /v1/models/:id',
  })
  @ApiNotFoundResponse({ description: 'No such model version' })
  @ApiConflictResponse({ description: 'The version is not training' })
  cancel(@Param() { id }: ModelIdParamDto): Promise<ModelVersionDto> {
    return this.registry.cancel(id);
  }
}
