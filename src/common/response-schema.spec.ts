import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { jsonSchemaOf } from './response-schema';

class TagDto {
  @ApiProperty() name: string;
}

class AnswerDto {
  @ApiProperty() id: string;
  @ApiProperty() score: number;
  @ApiProperty() fresh: boolean;
  @ApiProperty({ type: String, nullable: true }) version: string | null;
  @ApiProperty({ type: [String] }) genres: string[];
  @ApiProperty({ type: [TagDto] }) tags: TagDto[];
  @ApiProperty({ enum: ['a', 'b'] }) kind: 'a' | 'b';
  @ApiPropertyOptional() note?: string;
}

class UntypedNullableDto {
  @ApiProperty({ nullable: true }) version: string | null;
}

describe(jsonSchemaOf.name, { timeout: 30_000 }, () => {
  it('should give every documented property its JSON type, nested DTOs and lists included', () => {
    assert.deepEqual(jsonSchemaOf(AnswerDto), {
      type: 'object',
      properties: {
        id: { type: 'string' },
        score: { type: 'number' },
        fresh: { type: 'boolean' },
        version: { type: ['string', 'null'] },
        genres: { type: 'array', items: { type: 'string' } },
        tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
        kind: { type: 'string' },
        note: { type: 'string' },
      },
    });
  });

  it('should refuse at start-up a property whose type reflects only as Object', () => {
    assert.throws(
      () => jsonSchemaOf(UntypedNullableDto),
      /UntypedNullableDto\.version: give @ApiProperty an explicit type/,
    );
  });
});
