import { buildCsr } from '../algorithms/sparse';
import { TrainingData } from '../algorithms/types';
import { FeedbackAction } from '../domain/feedback-actions';
import { itemFeatures } from '../domain/item-features';
import { EXCLUDING_ACTIONS, excludesItem, RATING_SPREAD, signalWeight } from '../domain/signal';
import { InteractionsRepository, InteractionWindow, TrainingEvent } from '../repositories/interactions.repository';
import { Item, ItemsRepository } from '../repositories/items.repository';
import { GrowableFloat64, GrowableInt32 } from './growable';

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

/** The repositories a snapshot is read through, over whichever connection the caller opened. */
export interface SnapshotSources {
  items: Pick<ItemsRepository, 'streamLive'>;
  interactions: Pick<InteractionsRepository, 'getMaxId' | 'stream'>;
}

/**
 * Reads the live catalogue and the interaction log up to the current last id (so feedback
 * arriving meanwhile is left for the next run) and encodes them. Runs in a worker thread: the
 * reads are synchronous on SQLite and the encoding is CPU work on millions of rows.
 *
 * The window limits what the models learn from, never what they leave out: serving reads only
 * the events after the snapshot, so the exclusions come from the whole log up to the same id.
 */
export async function readTrainingSnapshot(
  sources: SnapshotSources,
  window: Omit<InteractionWindow, 'maxId'>,
  feedbackWeights: Record<FeedbackAction, number>,
): Promise<TrainingSnapshot> {
  const lastInteractionId = await sources.interactions.getMaxId();
  const encoder = new SnapshotEncoder(feedbackWeights);
  for await (const batch of sources.items.streamLive()) {
    for (const item of batch) encoder.addItem(item);
  }
  const windowed = window.startAt !== undefined || window.endAt !== undefined;
  for await (const batch of sources.interactions.stream({ ...window, maxId: lastInteractionId })) {
    for (const event of batch) encoder.addEvent(event, !windowed);
  }
  if (windowed) {
    for await (const batch of sources.interactions.stream({ maxId: lastInteractionId, actions: EXCLUDING_ACTIONS })) {
      for (const event of batch) encoder.addExclusion(event);
    }
  }
  return encoder.finish(lastInteractionId);
}

/** Turns catalogue rows and then events, in id order, into dictionaries and typed arrays. */
export class SnapshotEncoder {
  private readonly dictionary = new Dictionaries();
  private readonly user = new GrowableInt32();
  private readonly item = new GrowableInt32();
  private readonly weight = new GrowableFloat64();
  private readonly time = new GrowableFloat64();
  private readonly excludedUser = new GrowableInt32();
  private readonly excludedItem = new GrowableInt32();
  private newestTime = 0;

  /** `ratingSpread`: see RATING_SPREAD; other values only for choosing it (the evaluation CLI). */
  constructor(
    private readonly feedbackWeights: Record<FeedbackAction, number>,
    private readonly ratingSpread = RATING_SPREAD,
  ) {}

  addItem(item: Item): void {
    this.dictionary.addItem(item);
  }

  /** `withExclusion` false: the exclusions are added separately, from the whole log. */
  addEvent(event: TrainingEvent, withExclusion = true): void {
    const u = this.dictionary.userIndex(event.userId);
    const i = this.dictionary.itemIndexOf(event.itemId);
    this.user.push(u);
    this.item.push(i);
    this.weight.push(signalWeight(event.action, event.value, this.feedbackWeights, this.ratingSpread));
    this.time.push(event.occurredAt / 1000);
    this.newestTime = Math.max(this.newestTime, event.occurredAt / 1000);
    if (withExclusion) this.addExclusion(event);
  }

  /**
   * The user gets a row even without events in the window, so serving finds their exclusions; an
   * item neither live nor in the window is left out, as it cannot be recommended anyway.
   */
  addExclusion(event: TrainingEvent): void {
    if (!excludesItem(event.action)) return;
    const i = this.dictionary.knownItemIndex(event.itemId);
    if (i === undefined) return;
    this.excludedUser.push(this.dictionary.userIndex(event.userId));
    this.excludedItem.push(i);
  }

  finish(lastInteractionId: number): TrainingSnapshot {
    const { dictionary } = this;
    const data: TrainingData = {
      numUsers: dictionary.userIds.length,
      numItems: dictionary.itemIds.length,
      // In id order; the training worker puts them in time order.
      events: {
        user: this.user.toArray(),
        item: this.item.toArray(),
        weight: Float32Array.from(this.weight.toArray()),
        time: this.time.toArray(),
      },
      itemFeatures: dictionary.itemFeatureMatrix(),
      itemCity: Int32Array.from(dictionary.itemCity),
      referenceTime: this.newestTime || Date.now() / 1000,
    };
    return {
      data,
      exclusions: { user: this.excludedUser.toArray(), item: this.excludedItem.toArray() },
      userIds: dictionary.userIds,
      itemIds: dictionary.itemIds,
      featureNames: dictionary.featureNames,
      featureLabels: dictionary.featureLabels,
      cityNames: dictionary.cityNames,
      lastInteractionId,
      samples: this.user.length,
    };
  }
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

  knownItemIndex(id: string): number | undefined {
    return this.items.get(id);
  }

  userIndex(id: string): number {
    return intern(this.users, this.userIds, id);
  }

  itemFeatureMatrix() {
    const rows = this.featureRows.toArray();
    return buildCsr(
      this.itemIds.length,
      this.featureNames.length,
      rows,
      this.featureCols.toArray(),
      new Float32Array(rows.length).fill(1),
    );
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
