import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import {
  FitsTextColumn,
  IsId,
  Nested,
  OptionalStringList,
  OptionalText,
  OptionalTimestamp,
} from '../common/validation';
import { toIso } from '../domain/time';
import { Item } from '../repositories/items.repository';
import { User } from '../repositories/users.repository';

export class ItemDto {
  @ApiProperty({ example: 'Techno Night', maxLength: 500 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  name: string;

  @OptionalText(100, 'gig')
  type?: string;

  @OptionalText(191, 'Dublin')
  city?: string;

  @OptionalText(500, 'The Button Factory')
  venue?: string;

  @OptionalTimestamp('When the event starts; started events are never recommended', '2026-12-15T21:00:00Z')
  starts_at?: string;

  @OptionalTimestamp('When the event ends', '2026-12-16T03:00:00Z')
  ends_at?: string;

  @OptionalStringList(['Electronic', 'Techno'])
  genres?: string[];

  @OptionalStringList(['Ben Klock'])
  artists?: string[];

  @OptionalStringList(['late-night'])
  tags?: string[];

  @ApiPropertyOptional({ example: { price_eur: 25 }, description: 'Free-form data returned as is' })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class BatchItemDto extends ItemDto {
  @IsId('Item id', 'evt_789')
  id: string;
}

export class ItemBatchDto {
  @ApiProperty({ type: [BatchItemDto], maxItems: 1000 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @Nested(() => BatchItemDto)
  items: BatchItemDto[];
}

export class ItemResponseDto {
  @ApiProperty({ example: 'evt_789' }) id: string;
  @ApiProperty({ example: 'Techno Night' }) name: string;
  @ApiProperty({ example: 'gig', nullable: true }) type: string | null;
  @ApiProperty({ example: 'Dublin', nullable: true }) city: string | null;
  @ApiProperty({ example: 'The Button Factory', nullable: true }) venue: string | null;
  @ApiProperty({ example: '2026-12-15T21:00:00.000Z', nullable: true }) starts_at: string | null;
  @ApiProperty({ example: '2026-12-16T03:00:00.000Z', nullable: true }) ends_at: string | null;
  @ApiProperty({ example: ['Electronic'] }) genres: string[];
  @ApiProperty({ example: ['Ben Klock'] }) artists: string[];
  @ApiProperty({ example: ['late-night'] }) tags: string[];
  @ApiProperty({ example: { price_eur: 25 } }) metadata: Record<string, unknown>;
  @ApiProperty({ description: 'True while the item is only known from feedback' }) placeholder: boolean;
  @ApiProperty({ example: '2026-11-23T12:00:00.000Z' }) created_at: string;
  @ApiProperty({ example: '2026-11-23T12:00:00.000Z' }) updated_at: string;
}

export class ItemBatchResponseDto {
  @ApiProperty({ example: 2 }) upserted: number;
}

export class PreferencesDto {
  @OptionalStringList(['Electronic', 'Jazz'])
  genres?: string[];

  @OptionalStringList(['Ben Klock'])
  artists?: string[];
}

export class UserDto {
  @OptionalText(191, 'Dublin')
  city?: string;

  @ApiPropertyOptional({ type: PreferencesDto })
  @IsOptional()
  @Nested(() => PreferencesDto)
  @FitsTextColumn()
  preferences?: PreferencesDto;
}

export class UserResponseDto {
  @ApiProperty({ example: 'user_123' }) id: string;
  @ApiProperty({ example: 'Dublin', nullable: true }) city: string | null;
  @ApiProperty({ type: PreferencesDto }) preferences: PreferencesDto;
  @ApiProperty({ example: '2026-11-23T12:00:00.000Z' }) created_at: string;
  @ApiProperty({ example: '2026-11-23T12:00:00.000Z' }) updated_at: string;
}

export function itemResponse(item: Item): ItemResponseDto {
  return {
    id: item.id,
    name: item.name,
    type: item.type,
    city: item.city,
    venue: item.venue,
    starts_at: toIso(item.startsAt),
    ends_at: toIso(item.endsAt),
    genres: item.genres,
    artists: item.artists,
    tags: item.tags,
    metadata: item.metadata,
    placeholder: item.isPlaceholder,
    created_at: new Date(item.createdAt).toISOString(),
    updated_at: new Date(item.updatedAt).toISOString(),
  };
}

export function userResponse(user: User): UserResponseDto {
  return {
    id: user.id,
    city: user.city,
    preferences: user.preferences,
    created_at: new Date(user.createdAt).toISOString(),
    updated_at: new Date(user.updatedAt).toISOString(),
  };
}
