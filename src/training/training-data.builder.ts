import { Inject, Injectable } from '@nestjs/common';
import { buildCsr } from '../algorithms/sparse';
import { TrainingData } from '../algorithms/types';
import { APP_CONFIG, AppConfig } from '../config/config';
import { excludesItem, signalWeight } from '../feedback/signal';
import { InteractionsRepository, InteractionWindow } from '../repositories/interactions.repository';
import { Item, ItemsRepository } from '../repositories/items.repository';
import { GrowableFloat64, GrowableInt32 } from './growable';
import { itemFeatures } from './item-features';

/** A dictionary-encoded snapshot of the database, ready to hand to the training workers. */
export interface TrainingSnapshot {
  data: TrainingData;
  exclusions: { user: Int32Array; item: Int32Array };
  userIds: string[];
  itemIds: string[];
  featureNames: string[];
  featureLabels: string[];
  cityNames: string[];
  lastInteractionId: number;
  samples: number;
}

/**
 * Reads the catalogue and the interaction log in batches and encodes them into typed arrays.
 * Only dictionary lookups happen here, on the event loop; every matrix is built in a worker.
 */
@Injectable()
export class TrainingDataBuilder {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly items: ItemsRepository,
    private readonly interactions: InteractionsRepository,
  ) {}

  async build(window: Omit<InteractionWindow, 'maxId'>): Promise<TrainingSnapshot> {
    const lastInteractionId = await this.interactions.getMaxId();
    const dictionary = new Dictionaries();
    for await (const batch of this.items.streamLive()) {
      for (const item of batch) dictionary.addItem(item);
      await yieldToEventLoop();
    }

    const user = new GrowableInt32();
    const itemIdx = new GrowableInt32();
    const weight = new GrowableFloat64();
    const time = new GrowableFloat64();
    const excludedUser = new GrowableInt32();
    const excludedItem = new GrowableInt32();
    let newestTime = 0;
    for await (const batch of this.interactions.stream({ ...window, maxId: lastInteractionId })) {
      for (const event of batch) {
        const u = dictionary.userIndex(event.userId);
        const i = dictionary.itemIndexOf(event.itemId);
        user.push(u);
        itemIdx.push(i);
        weight.push(signalWeight(event.action, event.value, this.config.feedbackWeights));
        time.push(event.occurredAt / 1000);
        newestTime = Math.max(newestTime, event.occurredAt / 1000);
        if (excludesItem(event.action)) {
          excludedUser.push(u);
          excludedItem.push(i);
        }
      }
      await yieldToEventLoop();
    }

    const data: TrainingData = {
      numUsers: dictionary.userIds.length,
      numItems: dictionary.itemIds.length,
      // In id order; the worker puts them in time order (a sort of millions of rows is CPU work).
      events: { user: user.toArray(), item: itemIdx.toArray(), weight: Float32Array.from(weight.toArray()), time: time.toArray() },
      itemFeatures: dictionary.itemFeatureMatrix(),
      itemCity: Int32Array.from(dictionary.itemCity),
      referenceTime: newestTime || Date.now() / 1000,
    };
    return {
      data,
      exclusions: { user: excludedUser.toArray(), item: excludedItem.toArray() },
      userIds: dictionary.userIds,
      itemIds: dictionary.itemIds,
      featureNames: dictionary.featureNames,
      featureLabels: dictionary.featureLabels,
      cityNames: dictionary.cityNames,
      lastInteractionId,
      samples: user.length,
    };
  }
}

/**
 * better-sqlite3 answers synchronously, so awaiting a query never lets the event loop run;
 * without this, reading millions of rows would hold every request until the last batch.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

class Dictionaries {
  readonly userIds: string[] = [];
  readonly itemIds: string[] = [];
  readonly featureNames: string[] = [];
  readonly featureLabels: string[] = [];
  readonly cityNames: string[] = [];
  readonly itemCity: number[] = [];
  private readonly users = new Map<string, number>();
  private readonly items = new Map<string, number>();
  private readonly features = new Map<string, number>();
  private readonly cities = new Map<string, number>();
  private readonly featureRows = new GrowableInt32();
  private readonly featureCols = new GrowableInt32();

  addItem(item: Item): void {
    const index = this.itemIndexOf(item.id);
    this.itemCity[index] = item.city === null ? -1 : intern(this.cities, this.cityNames, item.city);
    for (const { key, label } of itemFeatures(item)) {
      const known = this.featureNames.length;
      const at = intern(this.features, this.featureNames, key);
      if (at === known) this.featureLabels.push(label);
      this.featureRows.push(index);
      this.featureCols.push(at);
    }
  }

  itemIndexOf(id: string): number {
    const known = this.items.get(id);
    if (known !== undefined) return known;
    this.itemCity.push(-1);
    return intern(this.items, this.itemIds, id);
  }

  userIndex(id: string): number {
    return intern(this.users, this.userIds, id);
  }

  itemFeatureMatrix() {
    const rows = this.featureRows.toArray();
    return buildCsr(this.itemIds.length, this.featureNames.length, rows, this.featureCols.toArray(), new Float32Array(rows.length).fill(1));
  }
}

function intern(index: Map<string, number>, names: string[], key: string): number {
  let at = index.get(key);
  if (at === undefined) {
    at = names.length;
    names.push(key);
    index.set(key, at);
  }
  return at;
}
