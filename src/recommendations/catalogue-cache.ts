import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ChangeEvents } from '../common/change-events';
import { Item, ItemsRepository } from '../repositories/items.repository';
import { LoadedModel } from '../model-registry/loaded-model';
import { ItemMetadataDto } from './recommendations.dto';

/** What serving needs of an item: filters, and the response metadata built once per catalogue change. */
export type CatalogueItem = Pick<Item, 'id' | 'name' | 'type' | 'city' | 'venue' | 'startsAt' | 'genres' | 'artists'> & {
  readonly metadata: ItemMetadataDto;
};

/** Per-model arrays aligned with the model's item index, rebuilt when the catalogue changes. */
export interface CatalogueView {
  revision: number;
  live: Uint8Array;
  startsAt: Float64Array;
  /** Index into `cities` per item, -1 for an item without a city: a filter compares integers, not strings. */
  cityCode: Int32Array;
  /** Lower-cased city name → code. */
  cities: Map<string, number>;
}

const FULL_RELOAD_MS = 60_000;

/**
 * The live catalogue in memory (placeholders, known only from feedback, are not recommendable), so a request never reads item rows. Writes through this replica
 * update it at once; writes through other replicas arrive with the periodic reload. If the
 * database is out, the last copy keeps serving.
 */
@Injectable()
export class CatalogueCache implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CatalogueCache.name);
  private items = new Map<string, CatalogueItem>();
  private revision = 0;
  private readonly views = new WeakMap<LoadedModel, CatalogueView>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repository: ItemsRepository,
    events: ChangeEvents,
  ) {
    events.onItemsChanged((ids) => this.refresh(ids));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload(), FULL_RELOAD_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  get(id: string): CatalogueItem | undefined {
    return this.items.get(id);
  }

  all(): IterableIterator<CatalogueItem> {
    return this.items.values();
  }

  /** Arrays aligned with `model.itemIds`; items not in the catalogue any more are not live. */
  viewFor(model: LoadedModel): CatalogueView {
    const cached = this.views.get(model);
    if (cached && cached.revision === this.revision) return cached;
    const n = model.itemIds.length;
    const view: CatalogueView = {
      revision: this.revision,
      live: new Uint8Array(n),
      startsAt: new Float64Array(n).fill(NaN),
      cityCode: new Int32Array(n).fill(-1),
      cities: new Map(),
    };
    model.itemIds.forEach((id, index) => {
      const item = this.items.get(id);
      if (!item) return;
      view.live[index] = 1;
      if (item.startsAt !== null) view.startsAt[index] = item.startsAt;
      if (item.city) {
        const city = item.city.toLowerCase();
        let code = view.cities.get(city);
        if (code === undefined) view.cities.set(city, (code = view.cities.size));
        view.cityCode[index] = code;
      }
    });
    this.views.set(model, view);
    return view;
  }

  async reload(): Promise<void> {
    try {
      const next = new Map<string, CatalogueItem>();
      for await (const batch of this.repository.streamLive()) {
        for (const item of batch) if (!item.isPlaceholder) next.set(item.id, summary(item));
        // SQLite answers synchronously; let requests in between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      this.items = next;
      this.revision++;
    } catch (error) {
      this.logger.warn(`catalogue reload failed, serving the last copy: ${(error as Error).message}`);
    }
  }

  private async refresh(ids: string[]): Promise<void> {
    try {
      const fresh = new Map((await this.repository.getByIds(ids)).map((item) => [item.id, item]));
      for (const id of ids) {
        const item = fresh.get(id);
        if (item && item.deletedAt === null && !item.isPlaceholder) this.items.set(id, summary(item));
        else this.items.delete(id);
      }
      this.revision++;
    } catch (error) {
      this.logger.warn(`catalogue refresh failed: ${(error as Error).message}`);
    }
  }
}

function summary(item: Item): CatalogueItem {
  return {
    id: item.id,
    name: item.name,
    type: item.type,
    city: item.city,
    venue: item.venue,
    startsAt: item.startsAt,
    genres: item.genres,
    artists: item.artists,
    metadata: metadataOf(item),
  };
}

function metadataOf(item: Item): ItemMetadataDto {
  const startsAt = item.startsAt === null ? null : new Date(item.startsAt).toISOString();
  return {
    event_name: item.name,
    venue: item.venue,
    date: startsAt?.slice(0, 10) ?? null,
    starts_at: startsAt,
    genre: item.genres[0] ?? null,
    genres: item.genres,
    artists: item.artists,
    city: item.city,
    type: item.type,
  };
}
