import { AUTO_ALGORITHM, defaultModel } from '../model-registry/default-model';
import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { OutboundEvents } from '../bus/outbound-events';
import { similarItems } from '../algorithms/item-knn';
import { AlgorithmName } from '../algorithms/types';
import { ChangeEvents } from '../common/change-events';
import { GroupCap, pickWithinCap } from '../domain/diversity';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ExperimentAssigner } from '../experiments/experiment-assigner';
import { ImpressionRecorder } from '../experiments/impression-recorder';
import { ActiveModels } from '../model-registry/active-models';
import { LoadedModel } from '../model-registry/loaded-model';
import { InteractionsRepository } from '../repositories/interactions.repository';
import { Telemetry } from '../telemetry/telemetry';
import { inSpan } from '../tracing/spans';
import { CatalogueCache, CatalogueItem } from './catalogue-cache';
import { reasonFor } from './explanations';
import { explainRanked, itemIdAt, rankItems } from './ranking';
import { RecommendationResponseDto, RecommendedItemDto, SimilarItemsResponseDto } from './recommendations.dto';
import { ResultCache } from './result-cache';
import { DeclaredPreferences, UserContextBuilder } from './user-context';

export interface RecommendationRequest {
  userId: string;
  limit?: number;
  offset?: number;
  city?: string;
  algorithm?: AlgorithmName;
  experimentId?: string;
  preferences?: DeclaredPreferences;
  currentTime?: string;
}

const DAY_MS = 24 * 3600 * 1000;

/** How far paging reaches, in multiples of MAX_RECOMMENDATION_COUNT. */
const PAGEABLE_LISTS = 10;
/** Fallback order when the wanted algorithm has no model or nothing to say for the user. */
const FALLBACKS: AlgorithmName[] = ['hybrid', 'popularity'];

/** A ranked list as computed (and cached), before the per-response fields are added. */
type RankedList = Omit<RecommendationResponseDto, 'recommendation_id' | 'ab_experiment' | 'variant' | 'latency_ms'>;

@Injectable()
export class RecommendationsService {
  private readonly logger = new Logger(RecommendationsService.name);
  private readonly cache: ResultCache<RankedList>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly models: ActiveModels,
    private readonly catalogue: CatalogueCache,
    private readonly contexts: UserContextBuilder,
    private readonly experiments: ExperimentAssigner,
    private readonly impressions: ImpressionRecorder,
    private readonly interactions: InteractionsRepository,
    private readonly telemetry: Telemetry,
    private readonly outbound: OutboundEvents,
    events: ChangeEvents,
  ) {
    this.cache = new ResultCache(config.cacheTtlSeconds * 1000, 10_000);
    events.onUserChanged((userId) => this.cache.invalidateUser(userId));
    events.onItemsChanged(() => this.cache.clear());
    models.onChange(() => this.cache.clear());
  }

  /**
   * DEFAULT_ALGORITHM, or with `auto` the active algorithm with the best holdout NDCG@10; before
   * any model is active, hybrid, whose fallbacks answer without one.
   */
  private defaultAlgorithm(): AlgorithmName {
    const setting = this.config.defaultAlgorithm;
    return (
      defaultModel(setting, this.models.all())?.algorithm ??
      (setting === AUTO_ALGORITHM ? 'hybrid' : (setting as AlgorithmName))
    );
  }

  /** Read by bench/cache-hit.ts to check that its requests were answered from the cache. */
  get cacheStats() {
    return { hits: this.cache.hits, misses: this.cache.misses };
  }

  async recommend(request: RecommendationRequest): Promise<RecommendationResponseDto> {
    const started = performance.now();
    const limit = this.checkLimit(request.limit);
    const offset = this.checkOffset(request.offset, limit);
    const now = request.currentTime ? Date.parse(request.currentTime) : Date.now();
    const assignment = request.algorithm
      ? undefined
      : await this.experiments.assign(request.userId, request.experimentId);
    const algorithm = request.algorithm ?? assignment?.algorithm ?? this.defaultAlgorithm();

    // A request with its own clock or preferences is one of a kind; everything else may be cached.
    const cacheable = !request.currentTime && !request.preferences;
    const key = `${request.userId}|${algorithm}|${request.city ?? ''}|${limit}|${offset}`;
    const body = await inSpan('recommendations.score', { 'ml_service.algorithm': algorithm }, async (span) => {
      const cached = cacheable
        ? await this.cache.get(request.userId, key, () => this.interactions.getNewestIdOfUser(request.userId))
        : undefined;
      if (cacheable) this.telemetry.cacheLookup(cached !== undefined);
      let list = cached;
      if (!list) {
        const computed = await this.compute(request, algorithm, limit, offset, now);
        list = computed.list;
        if (cacheable && computed.stamp !== undefined) this.cache.set(request.userId, key, list, computed.stamp);
      }
      span.setAttributes({
        // The algorithm that answered: a fallback's when the wanted one had no model or too few items.
        'ml_service.algorithm': list.algorithm,
        'ml_service.model_version': list.model_version ?? 'none',
        'ml_service.items_returned': list.recommendations.length,
        'ml_service.cache_hit': cached !== undefined,
      });
      return list;
    });

    const response: RecommendationResponseDto = {
      ...body,
      recommendation_id: randomUUID(),
      ab_experiment: assignment?.experimentId ?? null,
      variant: assignment?.variantId ?? null,
      latency_ms: round(performance.now() - started, 2),
    };
    if (assignment) {
      this.impressions.record({
        recommendationId: response.recommendation_id,
        userId: request.userId,
        experimentId: assignment.experimentId,
        variantId: assignment.variantId,
        itemIds: response.recommendations.map((r) => r.event_id),
      });
    }
    this.telemetry.recommendationServed(response.algorithm, response.latency_ms);
    this.outbound.recommendationServed(() => ({
      recommendation_id: response.recommendation_id,
      user_id: request.userId,
      algorithm: response.algorithm,
      model_version: response.model_version,
      experiment_id: response.ab_experiment,
      variant_id: response.variant,
      item_ids: response.recommendations.map((r) => r.event_id),
    }));
    return response;
  }

  private checkLimit(limit: number | undefined): number {
    const max = this.config.maxRecommendationCount;
    if (limit !== undefined && limit > max) throw new BadRequestException(`limit must not be greater than ${max}`);
    return limit ?? this.config.defaultRecommendationCount;
  }

  /** Every request ranks offset + limit items, so paging stops PAGEABLE_LISTS full lists deep. */
  private checkOffset(offset: number | undefined, limit: number): number {
    const deepest = PAGEABLE_LISTS * this.config.maxRecommendationCount;
    if (offset !== undefined && offset + limit > deepest)
      throw new BadRequestException(`offset + limit must not be greater than ${deepest}`);
    return offset ?? 0;
  }

  /**
   * The list and its cache stamp: the user's newest interaction id as seen by the one read the
   * exclusions came from (none when the database could not be read: such a list is not cached).
   */
  private async compute(
    request: RecommendationRequest,
    wanted: AlgorithmName,
    limit: number,
    offset: number,
    now: number,
  ): Promise<{ list: RankedList; stamp?: number }> {
    const city = request.city?.toLowerCase() ?? null;
    const sources = [wanted, ...FALLBACKS.filter((a) => a !== wanted)]
      .map((algorithm) => this.models.get(algorithm))
      .filter((m): m is LoadedModel => m !== undefined);
    const reading = await this.contexts.read(
      request.userId,
      sources.length === 0 ? 0 : Math.min(...sources.map((m) => m.lastInteractionId)),
    );
    const stamp = reading.degraded ? undefined : reading.events.newestId;
    if (sources.length === 0)
      return {
        list: await this.popularityWithoutModel(request.userId, reading.events.excludedSince, city, limit, offset, now),
        stamp,
      };

    const picked: RecommendedItemDto[] = [];
    const taken = new Set<string>();
    // One cap over the whole list, whichever source places an item: the list for offset + limit is
    // always ranked from the top, so every page is a slice of one capped list.
    const cap = GroupCap.of(this.config.maxPerArtist);
    const notes: string[] = reading.degraded ? [reading.degraded] : [];
    const need = offset + limit;
    for (const model of sources) {
      if (picked.length >= need) break;
      const context = this.contexts.build(model, request.userId, reading, request.preferences);
      const view = this.catalogue.viewFor(model);
      // Popularity for a user without a city filter looks in their home city first, then anywhere;
      // each pass ranks after the previous one has placed its items, so none comes twice.
      const cities =
        model.algorithm === 'popularity' && city === null && context.city ? [context.city.toLowerCase(), null] : [city];
      const strength = evidenceStrength(model, context.profile.items.length, context.profile.declaredFeatures.length);
      let top: number | undefined;
      let placed = 0;
      for (const c of cities) {
        const ranked = rankItems(model, context, view, { now, city: c, taken, cap }, need - picked.length);
        top ??= ranked[0]?.score;
        placed += ranked.length;
        for (const { index, score } of ranked) {
          const id = itemIdAt(model, view, index);
          taken.add(id);
          picked.push({
            event_id: id,
            score: round(score, 4),
            confidence: round(clamp01(top !== undefined && top > 0 ? (score / top) * strength : strength / 2), 3),
            reason: reasonFor(
              explainRanked(model, context, view, index),
              model,
              this.catalogue,
              context.lastAction,
              request.city ?? context.city,
            ),
            algorithm: model.algorithm,
            metadata: (this.catalogue.get(id) as CatalogueItem).metadata,
          });
        }
      }
      if (model.algorithm !== wanted && placed > 0)
        notes.push(
          `${wanted} ${this.models.get(wanted) ? 'had too few items' : 'has no model yet'}; added ${model.algorithm}`,
        );
    }
    if (notes.length > 0) this.logger.debug(`user ${request.userId}: ${notes.join('; ')}`);
    const primary = sources[0];
    const list = {
      user_id: request.userId,
      recommendations: picked.slice(offset, offset + limit),
      model_version: primary.version,
      algorithm: primary.algorithm,
      ...(notes.length > 0 ? { fallback: notes.join('; ') } : {}),
    };
    return { list, stamp };
  }

  /** Before the first model exists: the most saved/clicked items of the last 30 days, straight from the database, less the user's exclusions. */
  private async popularityWithoutModel(
    userId: string,
    excluded: Set<string>,
    city: string | null,
    limit: number,
    offset: number,
    now: number,
  ): Promise<RankedList> {
    const counts = await this.interactions.getPopularItemIds(now - 30 * DAY_MS, 1000);
    const candidates = counts
      .filter(({ itemId }) => !excluded.has(itemId))
      .map(({ itemId, count }) => ({ item: this.catalogue.get(itemId), count }))
      .filter(
        (c): c is { item: CatalogueItem; count: number } =>
          c.item !== undefined &&
          !(c.item.startsAt !== null && c.item.startsAt <= now) &&
          (city === null || c.item.city?.toLowerCase() === city),
      );
    const { picked } = pickWithinCap(
      candidates.map((_, at) => at),
      (at) => candidates[at].item.group,
      GroupCap.of(this.config.maxPerArtist),
      offset + limit,
    );
    const top = candidates[0]?.count || 1;
    const recommendations = picked.slice(offset, offset + limit).map((at) => {
      const { item, count } = candidates[at];
      return {
        event_id: item.id,
        score: count,
        confidence: round(0.4 * (count / top), 3),
        reason: item.city ? `Popular in ${item.city} this week` : 'Popular this week',
        algorithm: 'popularity',
        metadata: item.metadata,
      };
    });
    return {
      user_id: userId,
      recommendations,
      model_version: null,
      algorithm: 'popularity',
      fallback: 'no model is loaded yet; served popularity computed from the database',
    };
  }

  async similar(itemId: string, limit: number | undefined): Promise<SimilarItemsResponseDto> {
    const count = this.checkLimit(limit ?? 10);
    const model = ['item_knn', 'hybrid'].map((a) => this.models.get(a as AlgorithmName)).find((m) => m !== undefined);
    if (!model) throw new ServiceUnavailableException('no item similarity model is loaded yet');
    const anchor = this.catalogue.get(itemId);
    const index = model.itemIndex.get(itemId);
    if (!anchor) throw new NotFoundException(`item ${itemId} not found`);
    const view = this.catalogue.viewFor(model);
    const now = Date.now();
    const neighbours = index === undefined ? [] : (similarItems(model.recommender, index, count * 3 + 10) ?? []);
    const similar = neighbours
      .filter(({ item }) => view.live[item] && !(view.startsAt[item] <= now))
      .slice(0, count)
      .map(({ item, similarity }) => ({
        event_id: model.itemIds[item],
        score: round(similarity, 4),
        reason: `Often enjoyed by people who liked ${anchor.name}`,
        metadata: (this.catalogue.get(model.itemIds[item]) as CatalogueItem).metadata,
      }));
    return { item_id: itemId, similar, model_version: model.version, algorithm: model.algorithm };
  }
}

/** How much a score can be trusted given how much the model knows about the user. */
function evidenceStrength(model: LoadedModel, historySize: number, declared: number): number {
  if (model.algorithm === 'popularity') return declared > 0 ? 0.5 : 0.4;
  const known = historySize + declared / 2;
  return known / (known + 3);
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
