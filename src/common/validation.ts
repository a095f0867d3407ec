import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';

/** MySQL's TEXT, the column type of the lists and small JSON documents the service stores. */
const TEXT_COLUMN_BYTES = 65_535;

/** The deepest `offset` a list route accepts: far beyond any real list, inside every integer type involved. */
export const MAX_LIST_OFFSET = 1_000_000;

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
    FitsTextColumn(),
  );
}

/** Stored as JSON in a TEXT column, which MySQL refuses to overflow (a 500 where a 400 is due). */
export function FitsTextColumn() {
  return ValidateBy({
    name: 'fitsTextColumn',
    validator: {
      validate: (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '') <= TEXT_COLUMN_BYTES,
      defaultMessage: () => `$property must be at most ${TEXT_COLUMN_BYTES} bytes as JSON`,
    },
  });
}

/**
 * A nested DTO or, on a property typed as an array, a list of them; either way each must be an
 * object. ValidateNested alone walks into any array it meets, so `context: [...]` and
 * `events: [[]]` passed with nothing validated.
 */
export function Nested(type: () => new () => object): PropertyDecorator {
  return (target, property) => {
    const each = Reflect.getMetadata('design:type', target, property) === Array;
    applyDecorators(IsObject({ each }), ValidateNested({ each }), Type(type))(target, property);
  };
}

export class IdParamDto {
  @IsId('The id', 'evt_789')
  id: string;
}
