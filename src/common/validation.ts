import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

/** Ids are opaque strings chosen by the caller: printable, no whitespace, indexable by MySQL. */
export const ID_PATTERN = /^[^\s\u0000-\u001f]{1,191}$/;

export function IsId(description: string, example: string) {
  return applyDecorators(
    ApiProperty({ description, example, maxLength: 191 }),
    IsString(),
    IsNotEmpty(),
    Matches(ID_PATTERN, { message: '$property must be 1-191 characters without whitespace' }),
  );
}

export function OptionalText(maxLength: number, example?: string) {
  return applyDecorators(ApiPropertyOptional({ example, maxLength }), IsOptional(), IsString(), MaxLength(maxLength));
}

export function OptionalTimestamp(description: string, example: string) {
  return applyDecorators(
    ApiPropertyOptional({ description, example, format: 'date-time' }),
    IsOptional(),
    IsISO8601({ strict: true }, { message: '$property must be an ISO 8601 date-time' }),
  );
}

export function OptionalStringList(example: string[], maxItems = 100) {
  return applyDecorators(
    ApiPropertyOptional({ type: [String], example, maxItems }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(maxItems),
    IsString({ each: true, message: '$property must contain only strings' }),
    MaxLength(200, { each: true, message: '$property entries must be at most 200 characters' }),
  );
}

export function Nested(type: () => new () => object) {
  return applyDecorators(ValidateNested(), Type(type));
}

export class IdParamDto {
  @IsId('The id', 'evt_789')
  id: string;
}
