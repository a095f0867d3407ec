import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Csr, scoresNewItems } from '../algorithms/types';
import { ChangeEvents } from '../common/change-events';
import { groupKeyOf } from '../domain/diversity';
import { itemFeatures } from '../domain/item-features';
import { Item, ItemsRepository } from '../repositories/items.repository';
import { LoadedModel } from '../model-registry/loaded-model';
import { ItemMetadataDto } from './recommendations.dto';

/** What serving needs of an item: filters, and the response metadata built once per catalogue change. */
export type CatalogueItem = Pick<
  Item,
  'id' | 'name' | 'type' | 'city' | 'venue' | 'startsAt' | 'genres' | 'artists' | 'updatedAt'
> & {
  readonly metadata: ItemMetadataDto;
  /** Content feature keys (`genre:techno`), so an item added after training is scored without re-reading it. */
  readonly features: readonly string[];
  /** Its artist or series (see domain/diversity.ts), as a code shared by every view; -1 for none. */
  readonly group: number;
};

/**
 * Per-model arrays aligned with the model's item index, rebuilt when the catalogue changes. When
 * the model scores by content, live items it was trained without follow its own items: index
 * `model.itemIds.length + row` is row `row` of `newItems`.
 */
export interface CatalogueView {
  revision: number;
  /** The model's items, then the new ones. */
  size: number;
  live: Uint8Array;
  startsAt: Float64Array;
  /** Index into `cities` per item, -1 for an item without a city: a filter compares integers, not strings. */
  cityCode: Int32Array;
  /** Lower-cased city name → code. */
  cities: Map<string, number>;
  /** Artist or series code per item (CatalogueItem.group). */
  group: Int32Array;
  newItemIds: string[];
  newItemIndex: Map<string, number>;
  /** The model's encoding of the new items (NewItemScorer.encodeNewItems), or null when it has none. */
  newItems: Csr | null;
}

const FULL_RELOAD_MS = 60_000;
/** How often writes through other replicas are looked for, and how far back (clock differences, late commits). */
const CATCH_UP_MS = 1_000;
const CATCH_UP_OVERLAP_MS = 60_000;

/**
 * The live catalogue in memory (placeholders, known only from feedback, are not recommendable), so a request never reads item rows. Writes through this replica
 * update it at once; writes and deletes through other replicas arrive within about a second, from
 * a read of the items changed lately (an indexed range), and anything missed with the full reload
 * every minute. If the database is out, the last copy keeps serving.
 */
@Injectable()
export class CatalogueCache implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CatalogueCache.name);
  private items = new Map<string, CatalogueItem>();
  private revision = 0;
  /** By model: a view holds new items encoded by that model's recommender (content_based, hybrid). */
  private readonly views = new WeakMap<LoadedModel, CatalogueView>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** Change times of the items the last catch-up saw, so each change is refreshed once. */
  private seen = new Map<string, number>();
  private catchingUp = false;
  /** Artist or series key → code; only grows, so a code means the same act in views of any revision. */
  private readonly groups = new Map<string, number>();

  constructor(
    private readonly repository: ItemsRepository,
    private readonly events: ChangeEvents,
  ) {
    events.onItemsChanged((ids) => this.refresh(ids));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
    this.timers.push(
      setInterval(() => void this.reload(), FULL_RELOAD_MS),
      setInterval(() => void this.catchUp(), CATCH_UP_MS),
    );
    for (const timer of this.timers) timer.unref();
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  get(id: string): CatalogueItem | undefined {
    return this.items.get(id);
  }

  all(): IterableIterator<CatalogueItem> {
    return this.items.values();
  }

  /**
   * Arrays aligned with `model.itemIds`, then the new items; items not in the catalogue any more
   * are not live. New items are encoded here, once per catalogue change, so a request only scores them.
   */
  viewFor(model: LoadedModel): CatalogueView {
    const cached = this.views.get(model);
    if (cached && cached.revision === this.revision) return cached;
    const { recommender } = model;
    const newcomers = scoresNewItems(recommender)
      ? [...this.items.values()].filter((item) => !model.itemIndex.has(item.id))
      : [];
    const n = model.itemIds.length;
    const size = n + newcomers.length;
    const view: CatalogueView = {
      revision: this.revision,
      size,
      live: new Uint8Array(size),
      startsAt: new Float64Array(size).fill(NaN),
      cityCode: new Int32Array(size).fill(-1),
      cities: new Map(),
      group: new Int32Array(size).fill(-1),
      newItemIds: newcomers.map((item) => item.id),
      newItemIndex: new Map(newcomers.map((item, row) => [item.id, n + row])),
      newItems: scoresNewItems(recommender)
        ? recommender.encodeNewItems(
            newcomers.map((item) => Int32Array.from(item.features, (key) => model.featureIndex.get(key) ?? -1)),
          )
        : null,
    };
    const describe = (item: CatalogueItem | undefined, index: number) => {
      if (!item) return;
      view.live[index] = 1;
      view.group[index] = item.group;
      if (item.startsAt !== null) view.startsAt[index] = item.startsAt;
      if (item.city) {
        const city = item.city.toLowerCase();
        let code = view.cities.get(city);
        if (code === undefined) view.cities.set(city, (code = view.cities.size));
        view.cityCode[index] = code;
      }
    };
    model.itemIds.forEach((id, index) => describe(this.items.get(id), index));
    newcomers.forEach((item, row) => describe(item, n + row));
    this.views.set(model, view);
    return view;
  }

  /**
   * Reads every live item. An item whose row has not changed keeps its summary, and when nothing
   * changed the revision stays: rebuilding 20k summaries and every model's view each minute for
   * nothing cost a stall of milliseconds, a burst of garbage and the response writer's encodings.
   */
  async reload(): Promise<void> {
    try {
      const next = new Map<string, CatalogueItem>();
      let changed = false;
      for await (const batch of this.repository.streamLive()) {
        for (const item of batch) {
          if (item.isPlaceholder) continue;
          const known = this.items.get(item.id);
          const unchanged = known !== undefined && known.updatedAt === item.updatedAt;
          next.set(item.id, unchanged ? known : this.summary(item));
          changed ||= !unchanged;
        }
        // SQLite answers synchronously; let requests in between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      // Same size and every item known unchanged: the same items, as they were.
      if (!changed && next.size === this.items.size) return;
      this.items = next;
      this.revision++;
    } catch (error) {
      this.logger.warn(`catalogue reload failed, serving the last copy: ${(error as Error).message}`);
    }
  }

  /** Through ChangeEvents, so cached result lists that may hold a changed item go too. */
  private async catchUp(): Promise<void> {
    if (this.catchingUp) return;
    this.catchingUp = true;
    try {
      const changed = await this.repository.getChangedSince(Date.now() - CATCH_UP_OVERLAP_MS);
      const stale = changed.filter(
        ({ id, updatedAt }) => this.seen.get(id) !== updatedAt && this.items.get(id)?.updatedAt !== updatedAt,
      );
      this.seen = new Map(changed.map(({ id, updatedAt }) => [id, updatedAt]));
      if (stale.length > 0) await this.events.itemsChanged(stale.map(({ id }) => id));
    } catch (error) {
      // The full reload warns; an outage would otherwise log here every second.
      this.logger.debug(`catalogue catch-up failed: ${(error as Error).message}`);
    } finally {
      this.catchingUp = false;
    }
  }

  private async refresh(ids: string[]): Promise<void> {
    try {
      const fresh = new Map((await this.repository.getByIds(ids)).map((item) => [item.id, item]));
      for (const id of ids) {
        const item = fresh.get(id);
        if (item && item.deletedAt === null && !item.isPlaceholder) this.items.set(id, this.summary(item));
        else this.items.delete(id);
      }
      this.revision++;
    } catch (error) {
      this.logger.warn(`catalogue refresh failed: ${(error as Error).message}`);
    }
  }

  private summary(item: Item): CatalogueItem {
    const key = groupKeyOf(item);
    let group = key === null ? -1 : this.groups.get(key);
    if (group === undefined) this.groups.set(key as string, (group = this.groups.size));
    return { ...summaryOf(item), features: itemFeatures(item).map((f) => f.key), group };
  }
}

function summaryOf(item: Item): Omit<CatalogueItem, 'features' | 'group'> {
  return {
    id: item.id,
    name: item.name,
    type: item.type,
    city: item.city,
    venue: item.venue,
    startsAt: item.startsAt,
    genres: item.genres,
    artists: item.artists,
    updatedAt: item.updatedAt,
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
