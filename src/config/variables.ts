import { ALGORITHMS } from '../algorithms/types';

/**
 * Every environment variable the service reads, declared once: config.ts reads them by these names
 * and defaults, and config/.env.example and README's Configuration table are generated from here
 * (`npm run config:example`; env-example.spec.ts fails when they drift).
 */
export interface ConfigVariable {
  /** Markdown, as in README's table. */
  meaning: string;
  /** Used when the variable is unset or empty; absent: nothing (the feature is off or not configured). */
  default?: string | number | boolean;
  /** Replaces `default` under ENVIRONMENT=production. */
  productionDefault?: string | number | boolean;
}

export const CONFIG_VARIABLES = {
  SERVICE_PORT: { default: 4004, meaning: 'HTTP port' },
  SERVICE_ROLE: {
    default: 'all',
    meaning:
      '`all`: serves and trains; `api`: serves and never trains (no scheduler, no training threads; a retrain answers 503 naming the trainer); `trainer`: runs the scheduler and the training runs (see [Roles](#roles-api-replicas-and-one-trainer))',
  },
  ENVIRONMENT: { default: 'development', meaning: '`development`, `test` or `production`' },
  DATABASE_URL: {
    default: 'sqlite:./data/ml-service.sqlite',
    meaning: '`mysql://user:pass@host:port/db` or `sqlite:<file path>` (relative to the working directory)',
  },
  DB_HOST: { meaning: 'MySQL host, used (with the `DB_*` below) when `DATABASE_URL` is unset' },
  DB_PORT: { default: 3306, meaning: 'MySQL port, with `DB_HOST`' },
  DB_USER: { default: 'root', meaning: 'MySQL user, with `DB_HOST`' },
  DB_PASSWORD: { default: '', meaning: 'MySQL password, with `DB_HOST`' },
  DB_NAME: { default: 'ml_service', meaning: 'MySQL database, with `DB_HOST`' },
  SEED_DEMO_DATA: {
    default: true,
    productionDefault: false,
    meaning: 'fill an empty database with the demo catalogue and start the demo experiment `rec_algorithm_v1`',
  },
  LOG_LEVEL: {
    default: 'log',
    meaning: '`silent`, `error`, `warn`, `log` or `debug`; logs are JSON lines (see [Operations](#operations))',
  },
  DEFAULT_ALGORITHM: {
    default: 'auto',
    meaning:
      'algorithm for requests outside any experiment; `auto`: the active one with the best holdout NDCG@10, which changes only when a version is activated (by the promotion gate or an operator)',
  },
  DEFAULT_RECOMMENDATION_COUNT: { default: 20, meaning: '`limit` when the request has none' },
  MAX_RECOMMENDATION_COUNT: {
    default: 100,
    meaning:
      'largest `limit` accepted (400 above it); paging reaches 10 times as far (`offset + limit` ≤ 1,000 by default)',
  },
  MAX_PER_ARTIST: {
    default: 2,
    meaning:
      "at most this many items of one artist or series (an item's first artist, else its name) in every 10 positions of a list, whatever the algorithm: at most 2 in a top 5 or top 10, 4 in a top 20 with at most 2 in its first 10; pages are slices of that one list. `0` turns the cap off",
  },
  MIN_SIMILARITY_SCORE: {
    default: 0.1,
    meaning: 'neighbours less similar than this are ignored by `collaborative_filtering` (its `min_similarity`)',
  },
  CACHE_TTL_SECONDS: {
    default: 300,
    meaning:
      "per-user result cache; `0` turns it off. Every hit is checked against the user's newest event in the database, so feedback through any replica drops it; dropped on any model change",
  },
  FEEDBACK_WEIGHTS: {
    meaning: 'JSON object overriding the weight of each action, e.g. `{"click": 0.5}` (defaults below the table)',
  },
  MODEL_VERSION: {
    default: 'v1.0.0',
    meaning: 'version given to the first model of each algorithm; later runs bump the patch number',
  },
  MIN_TRAINING_SAMPLES: { default: 10, meaning: 'fewer feedback events than this and training does not start' },
  ENABLED_ALGORITHMS: {
    default: ALGORITHMS.join(','),
    meaning: 'comma-separated; what a retrain without `algorithm` trains',
  },
  TRAINING_THREADS: {
    meaning:
      "threads one training fit is split over (ALS half-steps, kNN similarities; the result is the same for any count). Unset: `1` (a core stays free for serving), or with `SERVICE_ROLE=trainer` every core `os.availableParallelism()` reports — set it to the pod's CPU request in a container, which that function does not see",
  },
  TRAINING_TIMEOUT_SECONDS: { default: 1800, meaning: 'a run taking longer is aborted and marked failed' },
  HOLDOUT_FRACTION: { default: 0.2, meaning: "share of each user's events held out for evaluation" },
  HOLDOUT_SPLIT: {
    default: 'random',
    meaning:
      "which of each user's events are held out, for evaluation and the promotion gate and, within the rest, for the validation split that params are chosen on: `random` (seeded) or `time` (the latest)",
  },
  EVALUATION_MAX_USERS: { default: 5000, meaning: 'evaluate at most this many users (an even sample) per run' },
  TRAINING_TUNE: {
    default: false,
    meaning:
      '`true`: every run searches each algorithm\'s tuning grid on a validation split carved from its training data (as `params: {"tune": true}` does for one run); slower, trials recorded in the version',
  },
  PROMOTION_TOLERANCE: {
    default: 0.02,
    meaning: 'a candidate may be this much worse (relative NDCG@10) and still be promoted',
  },
  RETRAIN_CRON: { default: '0 2 * * *', meaning: 'nightly retrain (cron expression, server time zone)' },
  RETRAIN_THRESHOLD_DAYS: { default: 7, meaning: 'retrain early when the models are older than this' },
  RETRAIN_MIN_NEW_FEEDBACK: { default: 10000, meaning: '… or when this many events arrived since the last run' },
  MODEL_RETENTION: {
    default: 10,
    meaning: 'versions per algorithm whose artifacts are kept; older ones are archived',
  },
  IMPRESSION_RETENTION_DAYS: {
    default: 180,
    meaning:
      'experiment impressions (one row per list shown) older than this are deleted, in small batches, hourly; `0` keeps them forever',
  },
  MODEL_SYNC_SECONDS: {
    default: 30,
    meaning: 'how often a replica loads versions activated elsewhere (and fails runs whose trainer is gone)',
  },
  TRAINING_MEMORY_BUDGET_MB: {
    default: 1024,
    meaning:
      'a run whose estimated peak memory is above this is refused (422) before it starts; sized for a 2 GiB process that also serves (`SERVICE_ROLE=all`). A trainer gets about half its memory: `k8s/trainer.yaml` sets `4096` under its 8 GiB limit, `12288` suits a 24 GiB box',
  },
  AUTH_REQUIRED: {
    default: false,
    productionDefault: true,
    meaning:
      '`true`: every route but `/health*`, `/ready`, `/metrics` and `/docs*` needs a token or an API key (see [Security](#security))',
  },
  JWT_SECRET: { meaning: 'HS256 secret for bearer tokens, at least 32 characters' },
  JWT_PUBLIC_KEY: { meaning: 'RS256 public key (PEM, `\\n` escapes accepted) instead of `JWT_SECRET`; never both' },
  JWT_ISSUER: { meaning: "when set, a token's `iss` must match" },
  JWT_AUDIENCE: { meaning: "when set, a token's `aud` must match" },
  JWT_REQUIRE_EXP: {
    default: true,
    meaning: 'refuse tokens without an `exp` claim (they would never expire); `false` accepts them',
  },
  API_KEYS: {
    meaning: 'comma-separated service keys (≥ 16 characters), sent as `X-API-Key`; each acts as admin',
  },
  RATE_LIMIT_PER_MINUTE: {
    default: 500,
    meaning: 'requests per minute per end user (token subject), and per client address for anonymous callers',
  },
  SERVICE_RATE_LIMIT_PER_MINUTE: { default: 60000, meaning: 'requests per minute per service API key' },
  AUTH_FAILURES_PER_MINUTE: {
    default: 20,
    meaning: 'refused credentials per client address per minute before it gets 429 (see [Security](#security))',
  },
  REDIS_URL: {
    meaning:
      '`redis://[:password@]host[:port][/db]` or `rediss://…`: rate-limit counts shared by all replicas; unset, each replica counts alone',
  },
  NATS_URL: {
    meaning:
      '`nats://[user:pass@]host:port` (comma-separated for a cluster): feedback and item upserts arrive over JetStream and model and experiment changes leave on it (see [Event bus](#event-bus)); unset, no bus',
  },
  NATS_STREAM: {
    default: 'ML_SERVICE',
    meaning: 'JetStream stream declared (when absent) on `<NATS_SUBJECT_PREFIX>.>`',
  },
  NATS_SUBJECT_PREFIX: {
    default: 'ml-service',
    meaning: 'first token of every subject: `<prefix>.feedback`, `<prefix>.catalogue`, `<prefix>.events.<type>`',
  },
  BUS_RECOMMENDATIONS_SAMPLE_RATE: {
    default: 0,
    meaning: 'share (0-1) of recommendation lists announced as `recommendation_served` events; `0` sends none',
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    meaning:
      'OTLP/HTTP collector base URL (`http://collector:4318`): traces of requests, scoring, database reads and training runs are posted to `<url>/v1/traces` (see [Tracing](#tracing)); unset, nothing is traced',
  },
  OTEL_SERVICE_NAME: { default: 'ml-service', meaning: 'the `service.name` of the traces' },
  OTEL_TRACES_SAMPLER_ARG: {
    default: 1,
    meaning:
      "share (0-1) of traces started here that are recorded; a request whose `traceparent` comes from a caller follows the caller's decision",
  },
  TRUST_PROXY: {
    default: 0,
    meaning: 'proxy hops whose `X-Forwarded-For` is trusted for the client address; `1` behind an ingress',
  },
  CORS_ORIGINS: {
    meaning:
      'comma-separated browser origins allowed to call the API (exact origins, no `*`); unset sends no CORS headers',
  },
  DOCS_ENABLED: { default: true, meaning: 'serve Swagger UI at `/docs` and the OpenAPI document at `/docs-json`' },
  METRICS_TOKEN: {
    meaning: 'when set (at least 16 characters), `GET /metrics` needs `Authorization: Bearer <METRICS_TOKEN>`',
  },
  SHUTDOWN_DELAY_MS: {
    default: 0,
    productionDefault: 5000,
    meaning: 'after SIGTERM, keep serving (while unready) this long before closing',
  },
  SHUTDOWN_TIMEOUT_MS: {
    default: 10000,
    meaning:
      'after that delay, how long accepted requests may take to be answered; connections still open then are cut (and logged)',
  },
} as const satisfies Record<string, ConfigVariable>;

export type VariableName = keyof typeof CONFIG_VARIABLES;

/** The variables whose default is a T. */
export type VariableWithDefault<T> = {
  [K in VariableName]: (typeof CONFIG_VARIABLES)[K] extends { default: T } ? K : never;
}[VariableName];

/** The default of `name` in `environment`. */
export function defaultOf<T>(name: VariableWithDefault<T>, production: boolean): T {
  const variable: ConfigVariable = CONFIG_VARIABLES[name];
  return (production && variable.productionDefault !== undefined ? variable.productionDefault : variable.default) as T;
}
