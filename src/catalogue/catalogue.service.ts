import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { ItemsRepository, ItemWrite } from '../repositories/items.repository';
import { UsersRepository } from '../repositories/users.repository';
import {
  BatchItemDto,
  ItemDto,
  ItemResponseDto,
  itemResponse,
  UserDto,
  UserResponseDto,
  userResponse,
} from './catalogue.dto';
import { ChangeEvents } from '../common/change-events';

@Injectable()
export class CatalogueService {
  constructor(
    private readonly items: ItemsRepository,
    private readonly users: UsersRepository,
    private readonly events: ChangeEvents,
  ) {}

  async putItem(id: string, dto: ItemDto): Promise<ItemResponseDto> {
    await this.items.upsert([toItemWrite(id, dto)]);
    await this.events.itemsChanged([id]);
    return this.getItem(id);
  }

  async putItems(dtos: BatchItemDto[]): Promise<number> {
    const ids = new Set<string>();
    for (const dto of dtos) {
      if (ids.has(dto.id)) throw new BadRequestException(`items contains id ${dto.id} more than once`);
      ids.add(dto.id);
    }
    const writes = dtos.map((dto) => toItemWrite(dto.id, dto));
    await this.items.upsert(writes);
    await this.events.itemsChanged([...ids]);
    return writes.length;
  }

  async getItem(id: string): Promise<ItemResponseDto> {
    const item = await this.items.getById(id);
    if (!item || item.deletedAt !== null) throw new NotFoundException(`item ${id} not found`);
    return itemResponse(item);
  }

  async deleteItem(id: string): Promise<void> {
    if (!(await this.items.softDelete(id))) throw new NotFoundException(`item ${id} not found`);
    await this.events.itemsChanged([id]);
  }

  async putUser(id: string, dto: UserDto): Promise<UserResponseDto> {
    await this.users.upsert({ id, city: dto.city ?? null, preferences: dto.preferences ?? {} });
    await this.events.userChanged(id);
    return this.getUser(id);
  }

  async getUser(id: string): Promise<UserResponseDto> {
    const user = await this.users.getById(id);
    if (!user) throw new NotFoundException(`user ${id} not found`);
    return userResponse(user);
  }
}

/** The API's item rules beyond the DTO's; shared with the importer. Throws 400 on a bad item. */
export function toItemWrite(id: string, dto: ItemDto): ItemWrite {
  const startsAt = dto.starts_at === undefined ? null : Date.parse(dto.starts_at);
  const endsAt = dto.ends_at === undefined ? null : Date.parse(dto.ends_at);
  if (startsAt !== null && endsAt !== null && endsAt < startsAt) {
    throw new BadRequestException(`item ${id}: ends_at must not be before starts_at`);
  }
  return {
    id,
    name: dto.name,
    type: dto.type ?? null,
    city: dto.city ?? null,
    venue: dto.venue ?? null,
    startsAt,
    endsAt,
    genres: dto.genres ?? [],
    artists: dto.artists ?? [],
    tags: dto.tags ?? [],
    metadata: dto.metadata ?? {},
  };
}
