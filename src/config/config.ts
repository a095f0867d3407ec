import { createPublicKey } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { CronTime } from 'cron';
import { ALGORITHMS, AlgorithmName } from '../algorithms/types';
import { HOLDOUT_SPLITS, HoldoutSplit } from '../evaluation/split';
import { DEFAULT_FEEDBACK_WEIGHTS, FEEDBACK_ACTIONS, FeedbackAction } from '../domain/feedback-actions';
import { VariableName, VariableWithDefault, defaultOf } from './variables';

/**
 * The service's configuration: read from the environment exactly once at start-up, validated,
 * and handed around as a typed object. Nothing else reads process.env.
 */

export type Environment = 'development' | 'test' | 'production';

/** What a process of the Deployment does: serve, train, or both (one process, as in development). */
export type ServiceRole = 'all' | 'api' | 'trainer';
export const SERVICE_ROLES: readonly ServiceRole[] = ['all', 'api', 'trainer'];

export type DatabaseConfig =
  | { client: 'sqlite'; filename: string }
  | { client: 'mysql'; host: string; port: number; user: string; password: string; database: string };

export interface AppConfig {
  environment: Environment;
  /** `api` never trains; `trainer` and `all` run the scheduler and the training pool. */
  role: ServiceRole;
  port: number;
  database: DatabaseConfig;
  /** Version assigned to the first trained model; later versions bump the patch number. */
  modelVersion: string;
  minTrainingSamples: number;
  retrainThresholdDays: number;
  defaultRecommendationCount: number;
  maxRecommendationCount: number;
  minSimilarityScore: number;
  /** Items of one artist or series allowed in every ten positions of a list; 0: no cap. */
  maxPerArtist: number;
  cacheTtlSeconds: number;
  seedDemoData: boolean;
  defaultAlgorithm: string;
  /** Weight of each action in the preference signal; rate and watch scale theirs by `value`. */
  feedbackWeights: Record<FeedbackAction, number>;
  logLevel: 'silent' | 'error' | 'warn' | 'log' | 'debug';
  training: TrainingConfig;
  /** Experiment impressions older than this many days are pruned; 0 keeps them forever. */
  impressionRetentionDays: number;
  /** Bearer token GET /metrics requires; null leaves it open (for a scraper inside the cluster network). */
  metricsToken: string | null;
  /** After SIGTERM, keep serving while unready this long, so load balancers stop routing here first. */
  shutdownDelayMs: number;
  /** After the delay, how long open requests may take to finish before their connections are cut. */
  shutdownTimeoutMs: number;
  auth: AuthConfig;
  rateLimit: RateLimitConfig;
  /** Browser origins allowed to call the API; empty sends no CORS headers at all. */
  corsOrigins: string[];
  /** Serve Swagger UI at /docs and the OpenAPI document at /docs-json. */
  docsEnabled: boolean;
  /** Proxies (ingress, load balancer) in front of the service whose X-Forwarded-For is trusted for the client address. */
  trustProxyHops: number;
  /** The message bus feedback and item upserts arrive on and change events leave on; null without NATS_URL. */
  bus: BusConfig | null;
  /** Where traces go; null without OTEL_EXPORTER_OTLP_ENDPOINT, and then nothing is traced. */
  tracing: TracingConfig | null;
}

export interface TracingConfig {
  /** OTLP/HTTP base URL; the exporter posts spans to <endpoint>/v1/traces. */
  endpoint: string;
  serviceName: string;
  /** Share of root traces recorded; a caller's sampling decision (traceparent) is followed. */
  sampleRatio: number;
}

export interface BusConfig {
  /** NATS server URLs, tried in turn. */
  servers: string[];
  stream: string;
  /** First token of every subject, so that several deployments can share one NATS account. */
  subjectPrefix: string;
  /** Share of recommendation lists announced as recommendation_served events. */
  recommendationsSampleRate: number;
}

export interface AuthConfig {
  /** Every route but health, metrics and docs needs a token or an API key; otherwise credentials are optional. */
  required: boolean;
  /** How bearer tokens are verified; null when the service accepts none. */
  jwt: JwtConfig | null;
  /** Service keys accepted in X-API-Key, each acting as admin. */
  apiKeys: string[];
}

/** Budgets per minute, counted in one sliding window per caller. */
export interface RateLimitConfig {
  /** Each end user (token subject), and each client address calling anonymously. */
  perUserPerMinute: number;
  /** Each service API key: one backend calls for all of its users. */
  perServicePerMinute: number;
  /** Refused credentials (API keys, tokens, the metrics token) per client address. */
  authFailuresPerMinute: number;
  /** Redis holding the counts for every replica; null counts on each replica alone. */
  redisUrl: string | null;
}

export interface JwtConfig {
  /** HS256 with a shared secret, or RS256 with the issuer's public key; the only algorithm accepted. */
  algorithm: 'HS256' | 'RS256';
  key: string;
  issuer?: string;
  audience?: string;
  /** Refuse tokens without an `exp` claim, which would otherwise be valid forever. */
  requireExp: boolean;
}

export interface TrainingConfig {
  /** Algorithms a retrain without an explicit algorithm trains, each into its own line of versions. */
  enabledAlgorithms: AlgorithmName[];
  /** Threads one fit's rows are split over (the training worker and threads - 1 helpers). */
  threads: number;
  /** Share of each user's latest interactions held out for offline evaluation. */
  holdoutFraction: number;
  /** Which of each user's events are held out: the latest, or a random choice. */
  holdoutSplit: HoldoutSplit;
  /** Every run searches each algorithm's tuning grid on validation (params `tune: true`). */
  tune: boolean;
  /** A candidate may be this much worse (relative NDCG@10) than the active model and still be promoted. */
  promotionTolerance: number;
  timeoutSeconds: number;
  maxEvaluatedUsers: number;
  /** Cron expression of the nightly retrain (server time zone). */
  cron: string;
  /** Retrain early once this many feedback events arrived since the last run. */
  minNewFeedback: number;
  /** Versions per algorithm whose artifacts are kept; older ones are archived (metadata stays). */
  retention: number;
  /** How often a replica checks the registry for versions activated elsewhere. */
  syncSeconds: number;
  /** A run whose estimated peak memory is above this is refused before it starts. */
  memoryBudgetMb: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads the variables declared in variables.ts, falling back to their declared defaults. Collects
 * every problem instead of stopping at the first, so one restart fixes them all.
 */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: VariableName): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: VariableWithDefault<string>): string {
    return this.raw(name) ?? this.fallback(name);
  }

  number(name: VariableWithDefault<number>, { min = -Infinity, max = Infinity, integer = false } = {}): number {
    const fallback = this.fallback(name);
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
      const kind = integer ? 'an integer' : 'a number';
      this.problems.push(`${name}=${JSON.stringify(text)} must be ${kind} between ${min} and ${max}`);
      return fallback;
    }
    return value;
  }

  boolean(name: VariableWithDefault<boolean>): boolean {
    const fallback = this.fallback(name);
    const text = this.raw(name)?.toLowerCase();
    if (text === undefined) return fallback;
    if (['true', '1', 'yes'].includes(text)) return true;
    if (['false', '0', 'no'].includes(text)) return false;
    this.problems.push(`${name}=${JSON.stringify(text)} must be true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: VariableWithDefault<string>, allowed: readonly T[]): T {
    const fallback = this.fallback<string>(name) as T;
    const text = this.raw(name);
    if (text === undefined) return fallback;
    if ((allowed as readonly string[]).includes(text)) return text as T;
    this.problems.push(`${name}=${JSON.stringify(text)} must be one of ${allowed.join(', ')}`);
    return fallback;
  }

  /** A few defaults differ in production; an invalid ENVIRONMENT counts as development, its default. */
  private fallback<T>(name: VariableWithDefault<T>): T {
    return defaultOf<T>(name, this.raw('ENVIRONMENT') === 'production');
  }
}

export function loadConfig(env: Env = process.env): AppConfig {
  const read = new EnvReader(env);
  const environment = read.oneOf<Environment>('ENVIRONMENT', ['development', 'test', 'production']);
  const maxRecommendationCount = read.number('MAX_RECOMMENDATION_COUNT', { min: 1, max: 1000, integer: true });
  const role = read.oneOf<ServiceRole>('SERVICE_ROLE', SERVICE_ROLES);
  const config: AppConfig = {
    environment,
    role,
    port: read.number('SERVICE_PORT', { min: 0, max: 65535, integer: true }),
    database: readDatabase(read),
    modelVersion: readModelVersion(read),
    minTrainingSamples: read.number('MIN_TRAINING_SAMPLES', { min: 1, integer: true }),
    retrainThresholdDays: read.number('RETRAIN_THRESHOLD_DAYS', { min: 0 }),
    defaultRecommendationCount: read.number('DEFAULT_RECOMMENDATION_COUNT', { min: 1, max: 1000, integer: true }),
    maxRecommendationCount,
    minSimilarityScore: read.number('MIN_SIMILARITY_SCORE', { min: 0, max: 1 }),
    maxPerArtist: read.number('MAX_PER_ARTIST', { min: 0, max: 10, integer: true }),
    cacheTtlSeconds: read.number('CACHE_TTL_SECONDS', { min: 0, integer: true }),
    seedDemoData: read.boolean('SEED_DEMO_DATA'),
    defaultAlgorithm: read.string('DEFAULT_ALGORITHM'),
    feedbackWeights: readFeedbackWeights(read),
    logLevel: read.oneOf('LOG_LEVEL', ['silent', 'error', 'warn', 'log', 'debug']),
    impressionRetentionDays: read.number('IMPRESSION_RETENTION_DAYS', { min: 0, max: 36_500, integer: true }),
    training: {
      enabledAlgorithms: readAlgorithms(read),
      threads: readTrainingThreads(read, role),
      holdoutFraction: read.number('HOLDOUT_FRACTION', { min: 0.01, max: 0.5 }),
      holdoutSplit: read.oneOf<HoldoutSplit>('HOLDOUT_SPLIT', HOLDOUT_SPLITS),
      tune: read.boolean('TRAINING_TUNE'),
      promotionTolerance: read.number('PROMOTION_TOLERANCE', { min: 0, max: 1 }),
      timeoutSeconds: read.number('TRAINING_TIMEOUT_SECONDS', { min: 1, integer: true }),
      maxEvaluatedUsers: read.number('EVALUATION_MAX_USERS', { min: 10, integer: true }),
      cron: readCron(read),
      minNewFeedback: read.number('RETRAIN_MIN_NEW_FEEDBACK', { min: 1, integer: true }),
      retention: read.number('MODEL_RETENTION', { min: 1, integer: true }),
      syncSeconds: read.number('MODEL_SYNC_SECONDS', { min: 1, integer: true }),
      // The k8s limit is 2 GiB per pod, serving included; on a bigger box without limits, raise it.
      memoryBudgetMb: read.number('TRAINING_MEMORY_BUDGET_MB', { min: 1, max: 1_048_576, integer: true }),
    },
    metricsToken: readMetricsToken(read),
    shutdownDelayMs: read.number('SHUTDOWN_DELAY_MS', { min: 0, max: 120_000, integer: true }),
    shutdownTimeoutMs: read.number('SHUTDOWN_TIMEOUT_MS', { min: 0, max: 600_000, integer: true }),
    auth: readAuth(read),
    rateLimit: readRateLimit(read),
    corsOrigins: readCorsOrigins(read),
    docsEnabled: read.boolean('DOCS_ENABLED'),
    trustProxyHops: read.number('TRUST_PROXY', { min: 0, max: 10, integer: true }),
    bus: readBus(read),
    tracing: readTracing(read),
  };
  if (config.defaultAlgorithm !== 'auto' && !(ALGORITHMS as readonly string[]).includes(config.defaultAlgorithm)) {
    read.problems.push(
      `DEFAULT_ALGORITHM=${JSON.stringify(config.defaultAlgorithm)} must be auto or one of ${ALGORITHMS.join(', ')}`,
    );
  }
  if (config.defaultRecommendationCount > maxRecommendationCount) {
    read.problems.push('DEFAULT_RECOMMENDATION_COUNT must not exceed MAX_RECOMMENDATION_COUNT');
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

/**
 * A trainer process does nothing else, so by default it trains on every core; a process that also
 * serves keeps one thread, leaving the other core of a small box to requests.
 */
function readTrainingThreads(read: EnvReader, role: ServiceRole): number {
  const text = read.raw('TRAINING_THREADS');
  const fallback = role === 'trainer' ? Math.min(MAX_TRAINING_THREADS, availableParallelism()) : 1;
  if (text === undefined) return fallback;
  const value = Number(text);
  if (Number.isInteger(value) && value >= 1 && value <= MAX_TRAINING_THREADS) return value;
  read.problems.push(
    `TRAINING_THREADS=${JSON.stringify(text)} must be an integer between 1 and ${MAX_TRAINING_THREADS}`,
  );
  return fallback;
}

const MAX_TRAINING_THREADS = 64;

/** RFC 7518 §3.2: an HS256 key must have at least as many bits as the hash, 256. */
const MIN_JWT_SECRET_LENGTH = 32;
const MIN_API_KEY_LENGTH = 16;
const MIN_METRICS_TOKEN_LENGTH = 16;

function readAuth(read: EnvReader): AuthConfig {
  // Closed by default in production: running open there takes an explicit AUTH_REQUIRED=false.
  const required = read.boolean('AUTH_REQUIRED');
  const jwt = readJwt(read);
  const apiKeys = (read.raw('API_KEYS') ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  if (apiKeys.some((key) => key.length < MIN_API_KEY_LENGTH)) {
    read.problems.push(`API_KEYS must be comma-separated keys of at least ${MIN_API_KEY_LENGTH} characters each`);
  }
  if (required && jwt === null && apiKeys.length === 0) {
    read.problems.push(
      read.raw('AUTH_REQUIRED') === undefined
        ? 'ENVIRONMENT=production requires authentication (AUTH_REQUIRED defaults to true): set JWT_SECRET or JWT_PUBLIC_KEY (to verify tokens) or API_KEYS, or AUTH_REQUIRED=false to run open'
        : 'AUTH_REQUIRED=true needs JWT_SECRET or JWT_PUBLIC_KEY (to verify tokens) or API_KEYS',
    );
  }
  return { required, jwt, apiKeys };
}

function readJwt(read: EnvReader): JwtConfig | null {
  const secret = read.raw('JWT_SECRET');
  // Kubernetes secrets and .env files often carry a PEM on one line, with literal \n for the newlines.
  const publicKey = read.raw('JWT_PUBLIC_KEY')?.replace(/\\n/g, '\n');
  const claims = {
    issuer: read.raw('JWT_ISSUER'),
    audience: read.raw('JWT_AUDIENCE'),
    requireExp: read.boolean('JWT_REQUIRE_EXP'),
  };
  if (secret !== undefined && publicKey !== undefined) {
    read.problems.push('set JWT_SECRET (HS256) or JWT_PUBLIC_KEY (RS256), not both');
    return null;
  }
  if (secret !== undefined) {
    // Values are never echoed: these are secrets.
    if (secret.length < MIN_JWT_SECRET_LENGTH)
      read.problems.push(`JWT_SECRET must be at least ${MIN_JWT_SECRET_LENGTH} characters`);
    return { algorithm: 'HS256', key: secret, ...claims };
  }
  if (publicKey !== undefined) {
    try {
      if (createPublicKey(publicKey).asymmetricKeyType !== 'rsa') throw new Error('not RSA');
    } catch {
      read.problems.push('JWT_PUBLIC_KEY must be an RSA public key in PEM form (-----BEGIN PUBLIC KEY-----)');
    }
    return { algorithm: 'RS256', key: publicKey, ...claims };
  }
  return null;
}

function readMetricsToken(read: EnvReader): string | null {
  const token = read.raw('METRICS_TOKEN');
  if (token !== undefined && token.length < MIN_METRICS_TOKEN_LENGTH)
    read.problems.push(`METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters`);
  return token ?? null;
}

function readRateLimit(read: EnvReader): RateLimitConfig {
  const budget = { min: 1, max: 10_000_000, integer: true };
  const redisUrl = read.raw('REDIS_URL') ?? null;
  if (redisUrl !== null && !isRedisUrl(redisUrl)) {
    // The URL may hold a password, so the message names the shape, not the value.
    read.problems.push('REDIS_URL must be redis://[:password@]host[:port][/db] or rediss://… for TLS');
  }
  return {
    perUserPerMinute: read.number('RATE_LIMIT_PER_MINUTE', budget),
    perServicePerMinute: read.number('SERVICE_RATE_LIMIT_PER_MINUTE', budget),
    authFailuresPerMinute: read.number('AUTH_FAILURES_PER_MINUTE', budget),
    redisUrl,
  };
}

function readTracing(read: EnvReader): TracingConfig | null {
  const endpoint = read.raw('OTEL_EXPORTER_OTLP_ENDPOINT');
  const serviceName = read.string('OTEL_SERVICE_NAME');
  const sampleRatio = read.number('OTEL_TRACES_SAMPLER_ARG', { min: 0, max: 1 });
  if (endpoint === undefined) return null;
  if (!isUrl(endpoint, ['http:', 'https:'])) read.problems.push('OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL');
  return { endpoint, serviceName, sampleRatio };
}

function isRedisUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** NATS subject tokens: no whitespace, dots only between tokens, no wildcards. */
const SUBJECT_PREFIX_PATTERN = /^[^\s.*>]+(\.[^\s.*>]+)*$/;

function readBus(read: EnvReader): BusConfig | null {
  const servers = (read.raw('NATS_URL') ?? '')
    .split(',')
    .map((server) => server.trim())
    .filter(Boolean);
  const stream = read.string('NATS_STREAM');
  const subjectPrefix = read.string('NATS_SUBJECT_PREFIX');
  const recommendationsSampleRate = read.number('BUS_RECOMMENDATIONS_SAMPLE_RATE', { min: 0, max: 1 });
  if (servers.length === 0) return null;
  if (!servers.every((server) => isUrl(server, ['nats:', 'tls:']))) {
    // The URL may hold credentials, so the message names the shape, not the value.
    read.problems.push('NATS_URL must be nats://[user:pass@]host:port (or tls://…), comma-separated for a cluster');
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(stream)) read.problems.push('NATS_STREAM must be 1-64 letters, digits, _ or -');
  if (!SUBJECT_PREFIX_PATTERN.test(subjectPrefix)) {
    read.problems.push('NATS_SUBJECT_PREFIX must be dot-separated tokens without whitespace, * or >');
  }
  return { servers, stream, subjectPrefix, recommendationsSampleRate };
}

function isUrl(text: string, protocols: string[]): boolean {
  try {
    const url = new URL(text);
    return protocols.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

function readCorsOrigins(read: EnvReader): string[] {
  const origins = (read.raw('CORS_ORIGINS') ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!isOrigin(origin))
      read.problems.push(
        `CORS_ORIGINS entry ${JSON.stringify(origin)} must be an origin such as https://app.example.com (no wildcards, paths or trailing slash)`,
      );
  }
  return origins;
}

function isOrigin(text: string): boolean {
  // URL accepts `*` in a host name; an allow-list must not.
  if (text.includes('*')) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text;
  } catch {
    return false;
  }
}

function readCron(read: EnvReader): string {
  const expression = read.string('RETRAIN_CRON');
  try {
    new CronTime(expression);
  } catch {
    read.problems.push(`RETRAIN_CRON=${JSON.stringify(expression)} is not a cron expression (e.g. "0 2 * * *")`);
  }
  return expression;
}

function readAlgorithms(read: EnvReader): AlgorithmName[] {
  const names = read
    .string('ENABLED_ALGORITHMS')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(ALGORITHMS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    read.problems.push(`ENABLED_ALGORITHMS must be a comma-separated list of ${ALGORITHMS.join(', ')}`);
    return [...ALGORITHMS];
  }
  return names as AlgorithmName[];
}

function readModelVersion(read: EnvReader): string {
  const version = read.string('MODEL_VERSION');
  if (!/^v\d+\.\d+\.\d+$/.test(version))
    read.problems.push(`MODEL_VERSION=${JSON.stringify(version)} must look like v1.0.0`);
  return version;
}

function readDatabase(read: EnvReader): DatabaseConfig {
  const host = read.raw('DB_HOST');
  if (read.raw('DATABASE_URL') !== undefined || host === undefined)
    return parseDatabaseUrl(read.string('DATABASE_URL'), read);
  return {
    client: 'mysql',
    host,
    port: read.number('DB_PORT', { min: 1, max: 65535, integer: true }),
    user: read.string('DB_USER'),
    password: read.string('DB_PASSWORD'),
    database: read.string('DB_NAME'),
  };
}

function parseDatabaseUrl(url: string, read: EnvReader): DatabaseConfig {
  if (url.startsWith('sqlite:')) {
    const filename = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (filename === '')
      read.problems.push('DATABASE_URL=sqlite: needs a file path, e.g. sqlite:./data/ml-service.sqlite');
    return { client: 'sqlite', filename };
  }
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'mysql:') throw new Error('unsupported scheme');
    return {
      client: 'mysql',
      host: parsed.hostname,
      port: parsed.port === '' ? 3306 : Number(parsed.port),
      user: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      database: parsed.pathname.replace(/^\//, '') || 'ml_service',
    };
  } catch {
    // The URL may hold a password, so the message names the shape, not the value.
    read.problems.push('DATABASE_URL must be mysql://user:pass@host:port/db or sqlite:<file path>');
    return { client: 'sqlite', filename: './data/ml-service.sqlite' };
  }
}

function readFeedbackWeights(read: EnvReader): Record<FeedbackAction, number> {
  const text = read.raw('FEEDBACK_WEIGHTS');
  if (text === undefined) return { ...DEFAULT_FEEDBACK_WEIGHTS };
  try {
    const overrides = JSON.parse(text) as Record<string, unknown>;
    const weights = { ...DEFAULT_FEEDBACK_WEIGHTS };
    for (const [action, weight] of Object.entries(overrides)) {
      // Number.isFinite also refuses 1e999, which JSON.parse reads as Infinity.
      if (
        !(FEEDBACK_ACTIONS as readonly string[]).includes(action) ||
        typeof weight !== 'number' ||
        !Number.isFinite(weight)
      ) {
        throw new Error(`${action}`);
      }
      weights[action as FeedbackAction] = weight;
    }
    return weights;
  } catch {
    read.problems.push(
      `FEEDBACK_WEIGHTS must be a JSON object mapping actions (${FEEDBACK_ACTIONS.join(', ')}) to finite numbers`,
    );
    return { ...DEFAULT_FEEDBACK_WEIGHTS };
  }
}

/** Injection token for AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Every configured value that must never appear in a log line or a response. */
export function secretsOf(config: AppConfig): string[] {
  const secrets = [config.metricsToken, ...config.auth.apiKeys];
  if (config.auth.jwt?.algorithm === 'HS256') secrets.push(config.auth.jwt.key);
  if (config.database.client === 'mysql') secrets.push(config.database.password);
  if (config.rateLimit.redisUrl !== null) secrets.push(decodeURIComponent(new URL(config.rateLimit.redisUrl).password));
  for (const server of config.bus?.servers ?? []) secrets.push(decodeURIComponent(new URL(server).password));
  return secrets.filter((secret): secret is string => secret !== null && secret !== '');
}
