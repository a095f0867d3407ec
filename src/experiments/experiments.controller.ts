import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/access.decorators';
import {
  CreateExperimentDto,
  DailyResultsDto,
  ExperimentListDto,
  ExperimentIdParamDto,
  ExperimentListQueryDto,
  ExperimentResponseDto,
  ExperimentResultsDto,
  ResultsQueryDto,
  UpdateExperimentDto,
} from './experiments.dto';
import { ExperimentsService } from './experiments.service';

@ApiTags('experiments')
@ApiBadRequestResponse({ description: 'Invalid input: `{"detail": "..."}` naming the field, nothing stored' })
@Controller('v1/experiments')
export class ExperimentsController {
  constructor(private readonly experiments: ExperimentsService) {}

  @Get()
  @ApiOkResponse({ type: ExperimentListDto })
  list(@Query() { status }: ExperimentListQueryDto): Promise<ExperimentListDto> {
    return this.experiments.list(status);
  }

  @Get(':id')
  @ApiOkResponse({ type: ExperimentResponseDto })
  @ApiNotFoundResponse({ description: 'No such experiment' })
  get(@Param() { id }: ExperimentIdParamDto): Promise<ExperimentResponseDto> {
    return this.experiments.get(id);
  }

  @Post()
  @AdminOnly()
  @ApiCreatedResponse({ type: ExperimentResponseDto })
  @ApiConflictResponse({ description: 'An experiment with this id exists' })
  create(@Body() dto: CreateExperimentDto): Promise<ExperimentResponseDto> {
    return this.experiments.create(dto);
  }

  @Patch(':id')
  @AdminOnly()
  @ApiOkResponse({ type: ExperimentResponseDto })
  @ApiNotFoundResponse({ description: 'No such experiment' })
  @ApiConflictResponse({
    description:
      'Illegal status transition, completed experiment, removing an assigned variant, or a concurrent change',
  })
  update(@Param() { id }: ExperimentIdParamDto, @Body() dto: UpdateExperimentDto): Promise<ExperimentResponseDto> {
    return this.experiments.update(id, dto);
  }

  @Get(':id/results')
  @ApiOkResponse({ type: ExperimentResultsDto })
  @ApiNotFoundResponse({ description: 'No such experiment' })
  results(
    @Param() { id }: ExperimentIdParamDto,
    @Query() { attribution_hours }: ResultsQueryDto,
  ): Promise<ExperimentResultsDto> {
    return this.experiments.results(id, attribution_hours);
  }

  @Get(':id/results/daily')
  @ApiOkResponse({ type: DailyResultsDto })
  @ApiNotFoundResponse({ description: 'No such experiment' })
  daily(
    @Param() { id }: ExperimentIdParamDto,
    @Query() { attribution_hours }: ResultsQueryDto,
  ): Promise<DailyResultsDto> {
    return this.experiments.daily(id, attribution_hours);
  }
}
