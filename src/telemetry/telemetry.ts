import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A model version as the model-info gauge shows it. */
export interface ServedModel {
  algorithm: string;
  version: string;
}

/** Counters behind /v1/model/info. */
export interface ServingStats {
  predictions: number;
  totalLatencyMs: number;
}

/**
 * Every metric the service exports, in one place. Services call the one-line methods below;
 * state other services already keep (active models, dropped impressions) is read at scrape time,
 * through the readers those services hand over (so this class imports none of them).
 *
 * Each application instance has its own registry (tests boot several in one process, and a
 * metric's scrape-time reader must see its own instance); process metrics are shared, below.
 */
@Injectable()
export class Telemetry {
  private readonly registry = new Registry();
  readonly contentType = this.registry.contentType;

  private readonly requests = new Counter({
    name: 'ml_service_requests_total',
    help: 'HTTP requests answered, by route template, method and status code',
    labelNames: ['endpoint', 'method', 'status'] as const,
    registers: [this.registry],
  });

  private readonly latency = new Histogram({
    name: 'ml_service_latency_seconds',
    help: 'Time from receiving a request to finishing its response, by route template and method',
    labelNames: ['endpoint', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly recommendations = new Counter({
    name: 'ml_service_recommendations_served_total',
    help: 'Recommendation lists served, by the algorithm that produced them',
    labelNames: ['algorithm'] as const,
    registers: [this.registry],
  });

  private readonly feedback = new Counter({
    name: 'ml_service_feedback_total',
    help: 'Feedback events accepted, by action',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });

  private readonly cacheRequests = new Counter({
    name: 'ml_service_cache_requests_total',
    help: 'Lookups in the per-user recommendation cache, by result (hit or miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  private readonly trainingDuration = new Histogram({
    name: 'ml_service_training_duration_seconds',
    help: 'Duration of successful training runs (evaluation included), by algorithm',
    labelNames: ['algorithm'] as const,
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });

  private readonly trainingLastSuccess = new Gauge({
    name: 'ml_service_training_last_success_timestamp_seconds',
    help: 'Unix time at which the last successful training run of the algorithm finished',
    labelNames: ['algorithm'] as const,
    registers: [this.registry],
  });

  private readonly rateLimitLocalCounts = new Counter({
    name: 'ml_service_rate_limit_local_counts_total',
    help: 'Rate-limit counts taken on this replica alone because Redis (REDIS_URL) did not answer',
    registers: [this.registry],
  });

  private readonly busMessages = new Counter({
    name: 'ml_service_bus_messages_total',
    help: 'Messages taken from the bus, by subject (feedback or catalogue) and result (stored, rejected or retried)',
    labelNames: ['subject', 'result'] as const,
    registers: [this.registry],
  });

  private readonly busLag = new Gauge({
    name: 'ml_service_bus_consumer_lag_messages',
    help: 'Messages on the bus not yet acknowledged by this service, by subject (as of the last delivery or check)',
    labelNames: ['subject'] as const,
    registers: [this.registry],
  });

  private readonly busConnected = new Gauge({
    name: 'ml_service_bus_connected',
    help: '1 while this replica is connected to the message bus, 0 while it is reconnecting',
    registers: [this.registry],
  });

  readonly serving: ServingStats = { predictions: 0, totalLatencyMs: 0 };
  private servedModels: () => ServedModel[] = () => [];
  private droppedImpressions: () => number = () => 0;

  constructor() {
    // collect() runs with the metric as `this`; these reach the readers set later.
    const servedModels = () => this.servedModels();
    const droppedImpressions = () => this.droppedImpressions();
    new Gauge({
      name: 'ml_service_model_info',
      help: 'Model versions this replica serves: 1 for each active (algorithm, version)',
      labelNames: ['algorithm', 'version'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const model of servedModels()) this.set({ algorithm: model.algorithm, version: model.version }, 1);
      },
    });
    new Counter({
      name: 'ml_service_impressions_dropped_total',
      help: 'Experiment impressions lost to a full buffer or a failed final write',
      registers: [this.registry],
      // The recorder keeps the running total; a counter cannot be set, so it is rebuilt from it.
      collect() {
        this.reset();
        this.inc(droppedImpressions());
      },
    });
  }

  /** Where the model-info gauge reads the versions this replica serves. */
  readServedModelsFrom(read: () => ServedModel[]): void {
    this.servedModels = read;
  }

  /** Where the dropped-impressions counter reads its running total. */
  readDroppedImpressionsFrom(read: () => number): void {
    this.droppedImpressions = read;
  }

  async scrape(): Promise<string> {
    return Registry.merge([processRegistry(), this.registry]).metrics();
  }

  requestFinished(endpoint: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ endpoint, method, status: String(status) });
    this.latency.observe({ endpoint, method }, seconds);
  }

  recommendationServed(algorithm: string, latencyMs: number): void {
    this.recommendations.inc({ algorithm });
    this.serving.predictions++;
    this.serving.totalLatencyMs += latencyMs;
  }

  feedbackAccepted(actions: readonly string[]): void {
    for (const action of actions) this.feedback.inc({ action });
  }

  cacheLookup(hit: boolean): void {
    this.cacheRequests.inc({ result: hit ? 'hit' : 'miss' });
  }

  rateLimitCountedLocally(): void {
    this.rateLimitLocalCounts.inc();
  }

  busMessagesTaken(subject: string, result: 'stored' | 'rejected' | 'retried', count = 1): void {
    this.busMessages.inc({ subject, result }, count);
  }

  busConsumerLag(subject: string, messages: number): void {
    this.busLag.set({ subject }, messages);
  }

  busConnection(connected: boolean): void {
    this.busConnected.set(connected ? 1 : 0);
  }

  trainingSucceeded(algorithm: string, seconds: number): void {
    this.trainingDuration.observe({ algorithm }, seconds);
    this.trainingLastSuccess.set({ algorithm }, Date.now() / 1000);
  }
}

let sharedProcessRegistry: Registry | undefined;

/**
 * CPU, memory, event loop, GC: facts about the process, collected once however many application
 * instances it runs (registering them twice would throw).
 */
function processRegistry(): Registry {
  if (sharedProcessRegistry) return sharedProcessRegistry;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges ending in _total fail `promtool check metrics`; the per-type gauges without the
  // suffix (nodejs_active_handles etc.) carry the same numbers.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  sharedProcessRegistry = registry;
  return registry;
}
