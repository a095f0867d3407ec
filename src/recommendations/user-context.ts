import { Injectable, Logger } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { UserProfile } from '../algorithms/types';
import { APP_CONFIG, AppConfig, FeedbackAction } from '../config/config';
import { excludesItem, signalWeight } from '../feedback/signal';
import { LoadedModel } from '../model-registry/loaded-model';
import { InteractionsRepository } from '../repositories/interactions.repository';
import { User, UsersRepository } from '../repositories/users.repository';
import { feature } from '../training/item-features';

/** Everything known about the user at request time, in one model's index space. */
export interface UserContext {
  profile: UserProfile;
  /** Items never to show this user. */
  excluded: Set<number>;
  /** The user's latest action per item, for reasons ("Because you saved …"). */
  lastAction: Map<number, FeedbackAction>;
  city: string | null;
  /** Set when the database could not be read and the model's snapshot stood in for it. */
  degraded?: string;
}

export interface DeclaredPreferences {
  genres?: string[];
  artists?: string[];
}

/** The newest events read per request: enough for fresh feedback and for reasons' verbs. */
const RECENT_EVENTS = 100;

/**
 * Builds the user's profile from the model's snapshot plus whatever arrived since: fresh saves
 * count at once and hidden items disappear at once, without waiting for retraining. One indexed
 * query for the user's newest events and one for the profile; never a scan of the log.
 */
@Injectable()
export class UserContextBuilder {
  private readonly logger = new Logger(UserContextBuilder.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly interactions: InteractionsRepository,
    private readonly users: UsersRepository,
  ) {}

  async build(model: LoadedModel, userId: string, requestPreferences?: DeclaredPreferences): Promise<UserContext> {
    const userIndex = model.userIndex.get(userId) ?? -1;
    const weights = new Map<number, number>();
    const excluded = new Set<number>();
    if (userIndex >= 0) {
      const { indptr, indices, values } = model.history;
      for (let k = indptr[userIndex]; k < indptr[userIndex + 1]; k++) weights.set(indices[k], values[k]);
      for (let k = model.excluded.indptr[userIndex]; k < model.excluded.indptr[userIndex + 1]; k++) excluded.add(model.excluded.indices[k]);
    }

    const lastAction = new Map<number, FeedbackAction>();
    let user: User | undefined;
    let degraded: string | undefined;
    try {
      const [recent, stored] = await Promise.all([this.interactions.getRecentSignals(userId, RECENT_EVENTS), this.users.getById(userId)]);
      user = stored;
      this.applyRecent(model, recent, weights, excluded, lastAction);
    } catch (error) {
      degraded = 'database unavailable: served from the model snapshot';
      this.logger.warn(`${degraded} (${(error as Error).message})`);
    }

    const items = [...weights].filter(([, w]) => w > 0);
    const preferences = { genres: [...(user?.preferences.genres ?? []), ...(requestPreferences?.genres ?? [])], artists: [...(user?.preferences.artists ?? []), ...(requestPreferences?.artists ?? [])] };
    const city = user?.city ?? null;
    return {
      profile: {
        userIndex,
        items: Int32Array.from(items, ([i]) => i),
        weights: Float32Array.from(items, ([, w]) => w),
        declaredFeatures: declaredFeatures(model, preferences),
        cityIndex: city === null ? -1 : (model.cityIndex.get(city) ?? -1),
      },
      excluded,
      lastAction,
      city,
      degraded,
    };
  }

  /** Events are newest first; the snapshot already holds those up to lastInteractionId. */
  private applyRecent(
    model: LoadedModel,
    recent: Awaited<ReturnType<InteractionsRepository['getRecentSignals']>>,
    weights: Map<number, number>,
    excluded: Set<number>,
    lastAction: Map<number, FeedbackAction>,
  ): void {
    for (const event of recent) {
      const item = model.itemIndex.get(event.itemId);
      if (item === undefined) continue;
      if (!lastAction.has(item)) lastAction.set(item, event.action);
      if (event.id <= model.lastInteractionId) continue;
      weights.set(item, (weights.get(item) ?? 0) + signalWeight(event.action, event.value, this.config.feedbackWeights));
      if (excludesItem(event.action)) excluded.add(item);
    }
  }
}

function declaredFeatures(model: LoadedModel, preferences: DeclaredPreferences): Int32Array {
  const keys = [...(preferences.genres ?? []).map((g) => feature('genre', g).key), ...(preferences.artists ?? []).map((a) => feature('artist', a).key)];
  const indices = keys.map((key) => model.featureIndex.get(key)).filter((i): i is number => i !== undefined);
  return Int32Array.from(new Set(indices));
}
