import { Injectable, Logger } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { UserProfile } from '../algorithms/types';
import { APP_CONFIG, AppConfig } from '../config/config';
import { FeedbackAction } from '../domain/feedback-actions';
import { feature } from '../domain/item-features';
import { signalWeight } from '../domain/signal';
import { inSpan } from '../tracing/spans';
import { LoadedModel } from '../model-registry/loaded-model';
import { User, UsersRepository } from '../repositories/users.repository';
import { excludedFor, Exclusions, RecentSignal, UserEvents } from './exclusions';

/** Everything known about the user at request time, in one model's index space. */
export interface UserContext {
  profile: UserProfile;
  /** Items never to show this user. */
  excluded: Set<number>;
  /** Ids the user excluded since the oldest serving snapshot: what leaves out items added after training. */
  excludedSince: ReadonlySet<string>;
  /** The user's latest action per item, for reasons ("Because you saved …"). */
  lastAction: Map<number, FeedbackAction>;
  city: string | null;
  /** Set when the database could not be read and memory stood in for it. */
  degraded?: string;
}

export interface DeclaredPreferences {
  genres?: string[];
  artists?: string[];
}

/** One request's reading of the user: their events since the oldest serving snapshot, and their profile. */
export interface UserReading {
  events: UserEvents;
  user?: User;
  /** Set when the database could not be read and memory stood in for it. */
  degraded?: string;
}

/**
 * Builds the user's profile from a model's snapshot plus whatever arrived since: fresh saves
 * count at once and excluded items disappear at once, without waiting for retraining. The user
 * is read once per request (a few indexed queries, never a scan of the log) for every model.
 */
@Injectable()
export class UserContextBuilder {
  private readonly logger = new Logger(UserContextBuilder.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly exclusions: Exclusions,
    private readonly users: UsersRepository,
  ) {}

  /** `sinceId`: the smallest last interaction id of the snapshots the request may use (0 before any). */
  async read(userId: string, sinceId: number): Promise<UserReading> {
    // A span of its own: on SQLite these are prepared statements, which knex's instrumentation never sees.
    return inSpan('user_context.read', { 'db.system.name': this.config.database.client }, async (span) => {
      try {
        const [events, user] = await Promise.all([this.exclusions.read(userId, sinceId), this.users.getById(userId)]);
        span.setAttribute('ml_service.recent_events', events.recent.length);
        return { events, user };
      } catch (error) {
        const degraded = 'database unavailable: served from the model snapshot and the exclusions recorded in memory';
        this.logger.warn(`${degraded} (${(error as Error).message})`);
        span.setAttribute('ml_service.degraded', degraded);
        return { events: this.exclusions.fromMemory(userId, sinceId), degraded };
      }
    });
  }

  build(
    model: LoadedModel,
    userId: string,
    { events, user, degraded }: UserReading,
    requestPreferences?: DeclaredPreferences,
  ): UserContext {
    const userIndex = model.userIndex.get(userId) ?? -1;
    const weights = new Map<number, number>();
    if (userIndex >= 0) {
      const { indptr, indices, values } = model.history;
      for (let k = indptr[userIndex]; k < indptr[userIndex + 1]; k++) weights.set(indices[k], values[k]);
    }
    const lastAction = this.applyRecent(model, events.recent, weights);

    const items = [...weights].filter(([, w]) => w > 0);
    const preferences = {
      genres: [...(user?.preferences.genres ?? []), ...(requestPreferences?.genres ?? [])],
      artists: [...(user?.preferences.artists ?? []), ...(requestPreferences?.artists ?? [])],
    };
    const city = user?.city ?? null;
    return {
      profile: {
        userIndex,
        items: Int32Array.from(items, ([i]) => i),
        weights: Float32Array.from(items, ([, w]) => w),
        declaredFeatures: declaredFeatures(model, preferences),
        cityIndex: city === null ? -1 : (model.cityIndex.get(city) ?? -1),
      },
      excluded: excludedFor(model, userIndex, events),
      excludedSince: events.excludedSince,
      lastAction,
      city,
      degraded,
    };
  }

  /** Events are newest first; the snapshot already holds those up to lastInteractionId. Returns the latest action per item. */
  private applyRecent(
    model: LoadedModel,
    recent: RecentSignal[],
    weights: Map<number, number>,
  ): Map<number, FeedbackAction> {
    const lastAction = new Map<number, FeedbackAction>();
    for (const event of recent) {
      const item = model.itemIndex.get(event.itemId);
      if (item === undefined) continue;
      if (!lastAction.has(item)) lastAction.set(item, event.action);
      if (event.id <= model.lastInteractionId) continue;
      weights.set(
        item,
        (weights.get(item) ?? 0) + signalWeight(event.action, event.value, this.config.feedbackWeights),
      );
    }
    return lastAction;
  }
}

function declaredFeatures(model: LoadedModel, preferences: DeclaredPreferences): Int32Array {
  const keys = [
    ...(preferences.genres ?? []).map((g) => feature('genre', g).key),
    ...(preferences.artists ?? []).map((a) => feature('artist', a).key),
  ];
  const indices = keys.map((key) => model.featureIndex.get(key)).filter((i): i is number => i !== undefined);
  return Int32Array.from(new Set(indices));
}
