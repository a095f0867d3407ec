import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly, OwnUser } from '../common/auth/access.decorators';
import { IdParamDto } from '../common/validation';
import {
  ItemBatchDto,
  ItemBatchResponseDto,
  ItemDto,
  ItemResponseDto,
  UserDto,
  UserResponseDto,
} from './catalogue.dto';
import { CatalogueService } from './catalogue.service';

@ApiTags('catalogue')
@ApiBadRequestResponse({ description: 'Invalid input: `{"detail": "..."}`, nothing stored' })
@Controller('v1')
export class CatalogueController {
  constructor(private readonly catalogue: CatalogueService) {}

  @Put('items/:id')
  @AdminOnly()
  @ApiOkResponse({ type: ItemResponseDto })
  putItem(@Param() { id }: IdParamDto, @Body() dto: ItemDto): Promise<ItemResponseDto> {
    return this.catalogue.putItem(id, dto);
  }

  @Post('items/batch')
  @AdminOnly()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ItemBatchResponseDto })
  async putItems(@Body() dto: ItemBatchDto): Promise<ItemBatchResponseDto> {
    return { upserted: await this.catalogue.putItems(dto.items) };
  }

  @Get('items/:id')
  @ApiOkResponse({ type: ItemResponseDto })
  @ApiNotFoundResponse({ description: 'No such item, or deleted' })
  getItem(@Param() { id }: IdParamDto): Promise<ItemResponseDto> {
    return this.catalogue.getItem(id);
  }

  @Delete('items/:id')
  @AdminOnly()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNotFoundResponse({ description: 'No such item, or already deleted' })
  deleteItem(@Param() { id }: IdParamDto): Promise<void> {
    return this.catalogue.deleteItem(id);
  }

  @Put('users/:id')
  @AdminOnly()
  @ApiOkResponse({ type: UserResponseDto })
  putUser(@Param() { id }: IdParamDto, @Body() dto: UserDto): Promise<UserResponseDto> {
    return this.catalogue.putUser(id, dto);
  }

  @Get('users/:id')
  @OwnUser('params.id')
  @ApiOkResponse({ type: UserResponseDto })
  @ApiNotFoundResponse({ description: 'No such user' })
  getUser(@Param() { id }: IdParamDto): Promise<UserResponseDto> {
    return this.catalogue.getUser(id);
  }
}
